import { Alert, Anchor, Badge, Breadcrumbs, Button, Card, Group, Pagination, Stack, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useT } from '../i18n/i18n';
import { positionLabel } from '../shell/position-label';
import { ChunkEditor } from './chunk-editor';
import { type Point, useChunkMutations, useDocumentChunks, useDocumentInfo } from './chunks.queries';

const PAGE_SIZE = 50;

/** A document's points in order; `?point=<id>` (a citation link) highlights one and scrolls to it. */
export default function ChunksPage() {
  const t = useT();
  const params = useParams();
  const collection = params.collection as string;
  const docId = params.docId as string;
  const [search] = useSearchParams();
  const focus = search.get('point');
  const focusChunk = focus?.startsWith(`${docId}-`) ? Number(focus.slice(docId.length + 1)) : NaN;
  const [page, setPage] = useState(Number.isFinite(focusChunk) ? Math.floor(Math.max(focusChunk - 1, 0) / PAGE_SIZE) + 1 : 1);
  const chunks = useDocumentChunks(collection, docId, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  const doc = useDocumentInfo(collection, docId);
  const { update, add, remove } = useChunkMutations(collection, docId);
  const [editing, setEditing] = useState<Point>();
  const [adding, setAdding] = useState(false);
  const empty = useMemo(() => ({ chunk_title: '', content: '' }), []);

  useEffect(() => {
    if (focus && chunks.data) document.getElementById(`point-${focus}`)?.scrollIntoView({ block: 'center' });
  }, [focus, chunks.data]);

  const total = chunks.data?.total_num ?? 0;
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/collections">
          {t('nav.collections')}
        </Anchor>
        <Anchor component={Link} to={`/collections/${encodeURIComponent(collection)}`}>
          {collection}
        </Anchor>
        <Text>{doc.data?.doc_name ?? docId}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('chunks.title', { name: doc.data?.doc_name ?? docId })}
        </Title>
        <Button onClick={() => setAdding(true)}>{t('chunks.add')}</Button>
      </Group>
      <Text size="sm" c="dimmed">
        {t('chunks.count', { count: total })}
      </Text>
      {chunks.error && <Alert color="red">{chunks.error.message}</Alert>}
      {remove.error && <Alert color="red">{remove.error.message}</Alert>}
      {chunks.data?.point_list.map((point) => (
        <Card
          key={point.point_id}
          id={`point-${point.point_id}`}
          withBorder
          data-testid="chunk"
          bg={point.point_id === focus ? 'yellow.0' : undefined}
          aria-current={point.point_id === focus ? 'true' : undefined}
        >
          <Group justify="space-between" wrap="nowrap" mb="xs">
            <Group gap="xs" wrap="nowrap">
              <Badge variant="outline">#{point.chunk_id}</Badge>
              <Text fw={600} size="sm">
                {point.chunk_title || t('chunks.untitled')}
              </Text>
              {point.position && (
                <Text size="xs" c="dimmed" data-testid="chunk-position">
                  {positionLabel(point.position, t)}
                </Text>
              )}
            </Group>
            <Group gap="xs" wrap="nowrap">
              <Button size="xs" variant="light" onClick={() => setEditing(point)} aria-label={t('chunks.editNamed', { id: point.chunk_id })}>
                {t('common.edit')}
              </Button>
              <Button
                size="xs"
                variant="default"
                c="red.9"
                aria-label={t('chunks.deleteNamed', { id: point.chunk_id })}
                onClick={() => window.confirm(t('chunks.confirmDelete')) && remove.mutate(point.point_id)}
              >
                {t('common.delete')}
              </Button>
            </Group>
          </Group>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="chunk-content">
            {point.content}
          </Text>
        </Card>
      ))}
      {total > PAGE_SIZE && <Pagination total={Math.ceil(total / PAGE_SIZE)} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': t(`pagination.${control}`) })} />}
      <ChunkEditor
        opened={editing !== undefined}
        title={t('chunks.edit')}
        initial={editing ?? empty}
        saving={update.isPending}
        error={update.error?.message}
        onClose={() => setEditing(undefined)}
        onSave={(value) => editing && update.mutate({ point_id: editing.point_id, ...value }, { onSuccess: () => setEditing(undefined) })}
      />
      <ChunkEditor
        opened={adding}
        title={t('chunks.add')}
        initial={empty}
        saving={add.isPending}
        error={add.error?.message}
        onClose={() => setAdding(false)}
        onSave={(value) => add.mutate(value, { onSuccess: () => setAdding(false) })}
      />
    </Stack>
  );
}
