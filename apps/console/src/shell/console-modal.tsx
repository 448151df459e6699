import { Modal, type ModalProps } from '@mantine/core';
import { useT } from '../i18n/i18n';

/** Mantine's Modal with a labelled close button (screen readers announce "Close"). */
export function ConsoleModal(props: ModalProps) {
  const t = useT();
  return <Modal {...props} closeButtonProps={{ 'aria-label': t('common.close'), ...props.closeButtonProps }} />;
}
