import { Alert, Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link } from 'react-router';
import { useT } from '../i18n/i18n';
import { CreateCollectionModal } from './create-collection-modal';
import { useCollections, useDeleteCollection } from './collections.queries';

export function CollectionsPage() {
  const t = useT();
  const collections = useCollections();
  const remove = useDeleteCollection();
  const [creating, { open, close }] = useDisclosure(false);
  const rows = collections.data?.collection_list ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('collections.title')}
        </Title>
        <Button onClick={open}>{t('collections.create')}</Button>
      </Group>
      {collections.error && <Alert color="red">{collections.error.message}</Alert>}
      {remove.error && <Alert color="red">{remove.error.message}</Alert>}
      <Table.ScrollContainer minWidth={640}>
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('collections.name')}</Table.Th>
              <Table.Th>{t('collections.description')}</Table.Th>
              <Table.Th ta="right">{t('collections.documents')}</Table.Th>
              <Table.Th ta="right">{t('collections.points')}</Table.Th>
              <Table.Th>{t('collections.embeddingModel')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.resource_id}>
                <Table.Td>
                  <Anchor component={Link} to={`/collections/${encodeURIComponent(c.collection_name)}`}>
                    {c.collection_name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{c.description}</Table.Td>
                <Table.Td ta="right">{c.doc_num}</Table.Td>
                <Table.Td ta="right">{c.point_num ?? '—'}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {c.pipeline_list[0]?.index_list[0]?.index_config.embedding_model}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Button size="xs" variant="light" component={Link} to={`/retrieval?collection=${encodeURIComponent(c.collection_name)}`}>
                      {t('nav.retrieval')}
                    </Button>
                    <Button
                      size="xs"
                      variant="default"
                      c="red.9"
                      aria-label={t('collections.deleteNamed', { name: c.collection_name })}
                      onClick={() => window.confirm(t('collections.confirmDelete', { name: c.collection_name })) && remove.mutate(c.collection_name)}
                    >
                      {t('common.delete')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {collections.isSuccess && rows.length === 0 && <Text c="dimmed">{t('collections.empty')}</Text>}
      <CreateCollectionModal opened={creating} onClose={close} />
    </Stack>
  );
}
