import { Alert, Group, Progress, Stack, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { uploadDocument } from '../api/upload';
import { useT } from '../i18n/i18n';
import { documentsKey } from './documents.queries';

interface UploadRow {
  id: number;
  name: string;
  progress: number;
  state: 'uploading' | 'stored' | 'failed';
  error?: string;
}

const ACCEPT = ['.md', '.markdown', '.txt', '.pdf', '.docx', '.html', '.htm', '.csv', '.json', '.epub', '.eml', '.msg', '.rtf'];
const OFFICE_ACCEPT = ['.xlsx', '.xls', '.ods', '.pptx', '.odp', '.ppt', '.odt', '.doc'];
let nextId = 1;

/** Drag-and-drop upload of many files at once; each file shows its own progress. */
export function UploadPanel({ collection, replaceDocId, onDone }: { collection: string; replaceDocId?: string; onDone?: () => void }) {
  const t = useT();
  const client = useQueryClient();
  const [rows, setRows] = useState<UploadRow[]>([]);
  const update = (id: number, patch: Partial<UploadRow>) => setRows((all) => all.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  const upload = (files: File[]) => {
    for (const file of replaceDocId ? files.slice(0, 1) : files) {
      const id = nextId++;
      setRows((all): UploadRow[] => [{ id, name: file.name, progress: 0, state: 'uploading' as const }, ...all].slice(0, 50));
      uploadDocument(file, { collection_name: collection, ...(replaceDocId ? { doc_id: replaceDocId } : {}) }, (progress) => update(id, { progress }))
        .then(() => {
          update(id, { progress: 1, state: 'stored' });
          void client.invalidateQueries({ queryKey: documentsKey(collection) });
          onDone?.();
        })
        .catch((error: Error) => update(id, { state: 'failed', error: error.message }));
    }
  };

  return (
    <Stack gap="xs">
      <Dropzone onDrop={upload} multiple={!replaceDocId} aria-label={t('documents.dropzone')} name="file" inputProps={{ 'aria-label': t('documents.dropzone') }}>
        <Stack align="center" gap={4} py="md" style={{ pointerEvents: 'none' }}>
          <Text fw={500}>{replaceDocId ? t('documents.replaceDrop') : t('documents.drop')}</Text>
          <Text size="sm" c="dimmed">
            {[...ACCEPT, ...OFFICE_ACCEPT].join(' ')}
          </Text>
        </Stack>
      </Dropzone>
      {rows.map((row) => (
        <Stack key={row.id} gap={2} data-testid="upload-row">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm" truncate>
              {row.name}
            </Text>
            <Text size="xs" c={row.state === 'failed' ? 'red.9' : 'dimmed'}>
              {row.state === 'uploading' ? `${Math.round(row.progress * 100)}%` : t(row.state === 'stored' ? 'documents.stored' : 'documents.uploadFailed')}
            </Text>
          </Group>
          <Progress value={row.progress * 100} color={row.state === 'failed' ? 'red' : row.state === 'stored' ? 'teal' : 'indigo'} size="sm" aria-label={row.name} />
          {row.error && (
            <Alert color="red" p="xs">
              {row.error}
            </Alert>
          )}
        </Stack>
      ))}
    </Stack>
  );
}
