import { Badge, Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { useT } from '../i18n/i18n';
import type { MessageKey } from '../i18n/en';
import { type DocInfo, ProcessStatus } from './documents.queries';

const STATUS: Record<number, { label: MessageKey; color: string }> = {
  // Dark shades with white text keep AA contrast.
  [ProcessStatus.Done]: { label: 'status.done', color: 'teal.9' },
  [ProcessStatus.Failed]: { label: 'status.failed', color: 'red.9' },
  [ProcessStatus.Queued]: { label: 'status.queued', color: 'gray.7' },
  [ProcessStatus.Deleting]: { label: 'status.deleting', color: 'grape.9' },
  [ProcessStatus.Processing]: { label: 'status.processing', color: 'blue.9' },
};

/** process_status, the stage, chunks done/total, and why it failed. */
export function StatusCell({ doc }: { doc: DocInfo }) {
  const t = useT();
  const status = STATUS[doc.status.process_status] ?? { label: 'status.unknown', color: 'gray' };
  const progress = doc.progress;
  return (
    <Stack gap={4} miw={160}>
      <Group gap={6} wrap="nowrap">
        <Badge color={status.color} variant="filled" data-testid="doc-status">
          {t(status.label)}
        </Badge>
        {progress && doc.status.process_status !== ProcessStatus.Done && doc.status.process_status !== ProcessStatus.Failed && (
          <Text size="xs" c="dimmed">
            {t(`stage.${progress.stage}` as MessageKey)} {progress.chunks_total > 0 ? `${progress.chunks_done}/${progress.chunks_total}` : ''}
          </Text>
        )}
      </Group>
      {progress && doc.status.process_status === ProcessStatus.Processing && progress.chunks_total > 0 && (
        <Progress size="xs" value={(100 * progress.chunks_done) / progress.chunks_total} aria-label={t('documents.progress')} />
      )}
      {doc.status.process_status === ProcessStatus.Failed && (
        <Tooltip label={doc.status.failed_reason ?? ''} multiline w={320} disabled={!doc.status.failed_reason}>
          <Text size="xs" c="red.9" lineClamp={2}>
            {doc.status.failed_code ? `${doc.status.failed_code}: ` : ''}
            {doc.status.failed_reason}
          </Text>
        </Tooltip>
      )}
    </Stack>
  );
}
