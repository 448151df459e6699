import { Center, Loader } from '@mantine/core';
import { useT } from '../i18n/i18n';

export function PageLoader() {
  const t = useT();
  return (
    <Center p="xl">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}
