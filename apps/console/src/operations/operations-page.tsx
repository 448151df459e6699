import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { CONSOLE_HEADERS, errorMessage } from '../api/client';
import { useCollections } from '../collections/collections.queries';
import { useT } from '../i18n/i18n';
import type { MessageKey } from '../i18n/en';
import { parsePrometheus } from './prometheus';
import { type RecentFailure, useRetryFailure, useStatusSummary } from './operations.queries';

const REFRESH_MS = 10_000;

/** The order and colours of the status counts (dark shades with white text keep AA contrast). */
const STATUSES: { key: 'queued' | 'processing' | 'done' | 'failed' | 'deleting'; label: MessageKey; color: string }[] = [
  { key: 'queued', label: 'status.queued', color: 'gray.7' },
  { key: 'processing', label: 'status.processing', color: 'blue.9' },
  { key: 'done', label: 'status.done', color: 'teal.9' },
  { key: 'failed', label: 'status.failed', color: 'red.9' },
  { key: 'deleting', label: 'status.deleting', color: 'grape.9' },
];

const documentsLink = (collection: string, docId?: string) =>
  `/collections/${encodeURIComponent(collection)}${docId ? `?doc_id=${encodeURIComponent(docId)}` : ''}`;

/** The console's pages address collections of the default project by name; others are shown without a link. */
function MaybeLink({ project, to, children }: { project: string; to: string; children: string }) {
  if (project !== 'default') return <Text size="sm">{children}</Text>;
  return (
    <Anchor component={Link} to={to} size="sm">
      {children}
    </Anchor>
  );
}

export default function OperationsPage() {
  const t = useT();
  const collections = useCollections();
  const summary = useStatusSummary();
  const retry = useRetryFailure();
  // /metrics is Prometheus text, not JSON, so it is outside the OpenAPI document and read as text here.
  const metrics = useQuery({
    queryKey: ['metrics'],
    queryFn: async () => {
      const response = await fetch('/metrics', { headers: CONSOLE_HEADERS, credentials: 'same-origin' });
      if (!response.ok) throw errorMessage(await response.json().catch(() => undefined), response.status);
      return parsePrometheus(await response.text());
    },
    refetchInterval: REFRESH_MS,
  });
  const queue = (metrics.data ?? []).filter((s) => s.name === 'fjord_ingestion_queue_depth');
  const outcomes = (metrics.data ?? []).filter((s) => s.name === 'fjord_ingestion_documents_total');
  const countsByCollection = new Map((summary.data?.collection_list ?? []).map((c) => [c.resource_id, c.status_count]));
  const failures = summary.data?.recent_failures ?? [];
  const error = metrics.error ?? summary.error ?? retry.error;
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('operations.title')}
      </Title>
      {error && <Alert color="red">{error.message}</Alert>}
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            {t('operations.queueDepth')}
          </Text>
          <Text size="xl" fw={700} data-testid="queue-depth">
            {queue.reduce((n, s) => n + s.value, 0)}
          </Text>
          {queue.map((s) => (
            <Text size="xs" key={s.labels.state}>
              {s.labels.state}: {s.value}
            </Text>
          ))}
        </Card>
        <Card withBorder data-testid="documents-by-status">
          <Text size="sm" c="dimmed">
            {t('operations.byStatus')}
          </Text>
          <Text size="xl" fw={700}>
            {summary.data?.total_num ?? '—'}
          </Text>
          <Group gap={6} mt={4}>
            {STATUSES.map((s) => (
              <Badge key={s.key} color={s.color} variant="filled" data-testid={`status-count-${s.key}`}>
                {t(s.label)}: {summary.data?.status_count[s.key] ?? 0}
              </Badge>
            ))}
          </Group>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            {t('operations.ingested')}
          </Text>
          {outcomes.length === 0 && <Text size="sm">—</Text>}
          {outcomes.map((s) => (
            <Text size="sm" key={s.labels.outcome}>
              {s.labels.outcome}: {s.value}
            </Text>
          ))}
        </Card>
      </SimpleGrid>
      <Table.ScrollContainer minWidth={560}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('collections.name')}</Table.Th>
              <Table.Th ta="right">{t('collections.documents')}</Table.Th>
              <Table.Th ta="right">{t('collections.points')}</Table.Th>
              <Table.Th ta="right">{t('operations.inProgress')}</Table.Th>
              <Table.Th ta="right">{t('operations.failedCol')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {collections.data?.collection_list.map((c) => {
              const counts = countsByCollection.get(c.resource_id);
              return (
                <Table.Tr key={c.resource_id} data-testid="operations-collection-row">
                  <Table.Td>
                    <MaybeLink project={c.project} to={documentsLink(c.collection_name)}>
                      {c.collection_name}
                    </MaybeLink>
                  </Table.Td>
                  <Table.Td ta="right">{c.doc_num}</Table.Td>
                  <Table.Td ta="right">{c.point_num}</Table.Td>
                  <Table.Td ta="right">{counts ? counts.queued + counts.processing : 0}</Table.Td>
                  <Table.Td ta="right">{counts?.failed ?? 0}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Title order={2} size="h3">
        {t('operations.recentFailures')}
      </Title>
      {summary.isSuccess && failures.length === 0 && <Text c="dimmed">{t('operations.noFailures')}</Text>}
      {failures.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="xs" data-testid="recent-failures">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('operations.failedAt')}</Table.Th>
                <Table.Th>{t('operations.collection')}</Table.Th>
                <Table.Th>{t('documents.name')}</Table.Th>
                <Table.Th>{t('operations.reason')}</Table.Th>
                <Table.Th>{t('common.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {failures.map((failure) => (
                <FailureRow key={`${failure.resource_id}/${failure.doc_id}`} failure={failure} retry={retry} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group>
        <Anchor href="/metrics" target="_blank">
          {t('operations.metrics')}
        </Anchor>
        <Anchor href="/docs" target="_blank">
          {t('shell.apiDocs')}
        </Anchor>
      </Group>
    </Stack>
  );
}

function FailureRow({ failure, retry }: { failure: RecentFailure; retry: ReturnType<typeof useRetryFailure> }) {
  const t = useT();
  const retrying = retry.isPending && retry.variables?.resource_id === failure.resource_id && retry.variables.doc_id === failure.doc_id;
  return (
    <Table.Tr data-testid="failure-row" data-doc-id={failure.doc_id} data-update-time={failure.update_time}>
      <Table.Td>
        <Text size="xs" style={{ whiteSpace: 'nowrap' }}>
          {new Date(failure.update_time).toLocaleString()}
        </Text>
      </Table.Td>
      <Table.Td>
        <MaybeLink project={failure.project} to={documentsLink(failure.collection_name)}>
          {failure.collection_name}
        </MaybeLink>
        {failure.project !== 'default' && (
          <Text size="xs" c="dimmed">
            {failure.project}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <MaybeLink project={failure.project} to={documentsLink(failure.collection_name, failure.doc_id)}>
          {failure.doc_name}
        </MaybeLink>
        <Text size="xs" c="dimmed" ff="monospace">
          {failure.doc_id}
        </Text>
      </Table.Td>
      <Table.Td maw={420}>
        <Text size="sm" c="red.9" data-testid="failure-reason">
          {failure.failed_code !== null ? `${failure.failed_code}: ` : ''}
          {failure.failed_reason}
        </Text>
      </Table.Td>
      <Table.Td>
        <Button size="xs" variant="default" loading={retrying} onClick={() => retry.mutate(failure)} aria-label={t('operations.retryDoc', { name: failure.doc_name })}>
          {t('documents.retry')}
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}
