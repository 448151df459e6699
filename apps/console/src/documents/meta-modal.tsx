import { Alert, Button, Group, Stack, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useT } from '../i18n/i18n';
import type { DocInfo } from './documents.queries';
import { useDocumentMutations } from './documents.queries';
import { ConsoleModal } from '../shell/console-modal';

/** Edit a document's meta as the JSON list the API takes: [{field_name, field_type, field_value}]. */
export function MetaModal({ collection, doc, onClose }: { collection: string; doc: DocInfo | undefined; onClose: () => void }) {
  const t = useT();
  const { updateMeta } = useDocumentMutations(collection);
  const [text, setText] = useState('[]');
  const [parseError, setParseError] = useState<string>();
  useEffect(() => {
    if (doc) setText(JSON.stringify(JSON.parse(doc.meta || '[]'), null, 2));
    setParseError(undefined);
    updateMeta.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc]);
  const save = () => {
    let meta: unknown;
    try {
      meta = JSON.parse(text);
    } catch (error) {
      setParseError((error as Error).message);
      return;
    }
    if (!doc) return;
    updateMeta.mutate({ docId: doc.doc_id, meta: meta as never }, { onSuccess: onClose });
  };
  return (
    <ConsoleModal opened={doc !== undefined} onClose={onClose} title={t('documents.editMeta', { name: doc?.doc_name ?? '' })} size="lg">
      <Stack>
        <Textarea
          label={t('documents.metaLabel')}
          description={t('documents.metaHint')}
          autosize
          minRows={6}
          ff="monospace"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
        {(parseError ?? updateMeta.error?.message) && <Alert color="red">{parseError ?? updateMeta.error?.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={save} loading={updateMeta.isPending}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </ConsoleModal>
  );
}
