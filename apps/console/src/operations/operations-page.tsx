import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { CONSOLE_HEADERS, errorMessage } from '../api/client';
import { useCollections } from '../collections/collections.queries';
import { useT } from '../i18n/i18n';
import { parsePrometheus } from './prometheus';

const REFRESH_MS = 10_000;

export default function OperationsPage() {
  const t = useT();
  const collections = useCollections();
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
  const totalDocs = (collections.data?.collection_list ?? []).reduce((n, c) => n + c.doc_num, 0);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('operations.title')}
      </Title>
      {metrics.error && <Alert color="red">{metrics.error.message}</Alert>}
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
        <Card withBorder>
          <Text size="sm" c="dimmed">
            {t('operations.documents')}
          </Text>
          <Text size="xl" fw={700}>
            {totalDocs}
          </Text>
        </Card>
      </SimpleGrid>
      <Table.ScrollContainer minWidth={480}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('collections.name')}</Table.Th>
              <Table.Th ta="right">{t('collections.documents')}</Table.Th>
              <Table.Th ta="right">{t('collections.points')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {collections.data?.collection_list.map((c) => (
              <Table.Tr key={c.resource_id}>
                <Table.Td>{c.collection_name}</Table.Td>
                <Table.Td ta="right">{c.doc_num}</Table.Td>
                <Table.Td ta="right">{c.point_num}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
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
