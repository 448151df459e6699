import { Alert, Button, Group, Stack, TextInput, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useT } from '../i18n/i18n';
import { ConsoleModal } from '../shell/console-modal';

/** Edits a chunk's title and content (also used to add one). */
export function ChunkEditor(props: {
  opened: boolean;
  title: string;
  initial: { chunk_title: string; content: string };
  saving: boolean;
  error?: string;
  onSave: (value: { chunk_title: string; content: string }) => void;
  onClose: () => void;
}) {
  const t = useT();
  const [chunkTitle, setChunkTitle] = useState(props.initial.chunk_title);
  const [content, setContent] = useState(props.initial.content);
  useEffect(() => {
    setChunkTitle(props.initial.chunk_title);
    setContent(props.initial.content);
  }, [props.initial, props.opened]);
  return (
    <ConsoleModal opened={props.opened} onClose={props.onClose} title={props.title} size="xl">
      <Stack>
        <TextInput label={t('chunks.chunkTitle')} value={chunkTitle} onChange={(e) => setChunkTitle(e.currentTarget.value)} />
        <Textarea label={t('chunks.content')} autosize minRows={8} maxRows={24} value={content} onChange={(e) => setContent(e.currentTarget.value)} />
        {props.error && <Alert color="red">{props.error}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={props.saving} disabled={!content.trim()} onClick={() => props.onSave({ chunk_title: chunkTitle, content })}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </ConsoleModal>
  );
}
