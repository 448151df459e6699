import { Alert, Anchor, Badge, Button, Group, NativeSelect, NumberInput, Slider, Stack, Switch, Table, Text, Textarea, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, vikingData } from '../api/client';
import type { paths } from '../api/schema';
import { useCollections } from '../collections/collections.queries';
import { useT } from '../i18n/i18n';
import { positionLabel } from '../shell/position-label';

type SearchBody = paths['/api/knowledge/collection/search_knowledge']['post']['requestBody']['content']['application/json'];
type Signal = { rank: number; score: number } | null | undefined;

function SignalCell({ signal }: { signal: Signal }) {
  if (!signal) return <Text c="dimmed">—</Text>;
  return (
    <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
      #{signal.rank} · {signal.score.toFixed(4)}
    </Text>
  );
}

/** The retrieval test: a query with every knob, and each hit's dense, lexical, fused and rerank rank side by side. */
export default function RetrievalPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const collections = useCollections();
  const collection = params.get('collection') ?? collections.data?.collection_list[0]?.collection_name ?? '';
  const collectionDefault = collections.data?.collection_list.find((c) => c.collection_name === collection)?.default_dense_weight;
  const [query, setQuery] = useState('');
  // The slider starts at the collection's own default (what a search without dense_weight uses) until moved;
  // picking another collection starts again from that one's default.
  const [movedWeight, setMovedWeight] = useState<{ collection: string; value: number }>();
  const denseWeight = movedWeight?.collection === collection ? movedWeight.value : (collectionDefault ?? 0.5);
  const setDenseWeight = (value: number) => setMovedWeight({ collection, value });
  const [limit, setLimit] = useState(10);
  const [rerank, setRerank] = useState(false);
  const [filter, setFilter] = useState('');
  const [filterError, setFilterError] = useState<string>();

  const search = useMutation({
    mutationFn: async (body: SearchBody) => vikingData(await api.POST('/api/knowledge/collection/search_knowledge', { body })),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    let docFilter: unknown;
    try {
      docFilter = filter.trim() ? JSON.parse(filter) : undefined;
      setFilterError(undefined);
    } catch (error) {
      setFilterError((error as Error).message);
      return;
    }
    search.mutate({
      collection_name: collection,
      query,
      limit,
      dense_weight: denseWeight,
      debug: true,
      ...(docFilter ? { query_param: { doc_filter: docFilter as never } } : {}),
      post_processing: { rerank_switch: rerank },
      pre_processing: { return_token_usage: true },
    });
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('retrieval.title')}
      </Title>
      <form onSubmit={submit}>
        <Stack>
          <Group align="end" grow>
            <NativeSelect
              label={t('retrieval.collection')}
              data={(collections.data?.collection_list ?? []).map((c) => c.collection_name)}
              value={collection}
              onChange={(e) => setParams({ collection: e.currentTarget.value })}
            />
            <NumberInput label={t('retrieval.limit')} min={1} max={200} value={limit} onChange={(v) => setLimit(Number(v) || 10)} />
          </Group>
          <Textarea label={t('retrieval.query')} autosize minRows={2} value={query} onChange={(e) => setQuery(e.currentTarget.value)} required />
          <Group align="center" grow>
            <Stack gap={4}>
              <Text size="sm" fw={500} id="dense-weight-label">
                {t('retrieval.denseWeight', { value: denseWeight.toFixed(2) })}
              </Text>
              <Slider min={0} max={1} step={0.05} value={denseWeight} onChange={setDenseWeight} thumbLabel={t('retrieval.denseWeight', { value: denseWeight.toFixed(2) })} label={(v) => v.toFixed(2)} />
              <Group justify="space-between">
                <Text size="xs" c="dimmed">
                  {t('retrieval.lexicalOnly')}
                </Text>
                {collectionDefault !== undefined && (
                  <Button
                    variant="subtle"
                    size="compact-xs"
                    disabled={denseWeight === collectionDefault}
                    onClick={() => setDenseWeight(collectionDefault)}
                    data-testid="dense-weight-default"
                  >
                    {t('retrieval.collectionDefault', { value: collectionDefault.toFixed(2) })}
                  </Button>
                )}
                <Text size="xs" c="dimmed">
                  {t('retrieval.denseOnly')}
                </Text>
              </Group>
            </Stack>
            <Switch label={t('retrieval.rerank')} checked={rerank} onChange={(e) => setRerank(e.currentTarget.checked)} />
          </Group>
          <Textarea
            label={t('retrieval.filter')}
            description={t('retrieval.filterHint')}
            placeholder='{"op":"must","field":"doc_id","conds":["handbook"]}'
            ff="monospace"
            autosize
            minRows={1}
            value={filter}
            onChange={(e) => setFilter(e.currentTarget.value)}
          />
          {(filterError ?? search.error?.message) && <Alert color="red">{filterError ?? search.error?.message}</Alert>}
          <Group>
            <Button type="submit" loading={search.isPending} disabled={!collection || !query.trim()}>
              {t('retrieval.run')}
            </Button>
            {search.data && (
              <Text size="sm" c="dimmed" data-testid="search-summary">
                {t('retrieval.summary', { count: search.data.count, query: search.data.rewrite_query })}
              </Text>
            )}
          </Group>
        </Stack>
      </form>
      {search.data && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped verticalSpacing="xs" data-testid="results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>{t('retrieval.chunk')}</Table.Th>
                <Table.Th>{t('retrieval.score')}</Table.Th>
                <Table.Th>{t('retrieval.dense')}</Table.Th>
                <Table.Th>{t('retrieval.lexical')}</Table.Th>
                <Table.Th>{t('retrieval.fused')}</Table.Th>
                <Table.Th>{t('retrieval.rerankCol')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {search.data.result_list.map((hit, index) => (
                <Table.Tr key={`${hit.point_id}-${index}`} data-testid="result-row">
                  <Table.Td>{index + 1}</Table.Td>
                  <Table.Td maw={420}>
                    <Anchor
                      component={Link}
                      size="sm"
                      fw={600}
                      to={`/collections/${encodeURIComponent(collection)}/documents/${encodeURIComponent(hit.doc_info.doc_id)}?point=${encodeURIComponent(hit.point_id)}`}
                    >
                      {hit.doc_info.doc_name} #{hit.chunk_id}
                    </Anchor>
                    {hit.position && (
                      <Text span size="xs" c="dimmed" ml="xs" data-testid="result-position">
                        {positionLabel(hit.position, t)}
                      </Text>
                    )}
                    {hit.chunk_title && (
                      <Text size="xs" c="dimmed">
                        {hit.chunk_title}
                      </Text>
                    )}
                    <Text size="sm" lineClamp={3}>
                      {hit.content}
                    </Text>
                    {hit.debug?.diffused_from && (
                      <Badge size="xs" variant="outline">
                        {t('retrieval.neighbour')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {hit.score.toFixed(4)}
                    </Text>
                  </Table.Td>
                  <Table.Td data-testid="debug-dense">
                    <SignalCell signal={hit.debug?.dense} />
                  </Table.Td>
                  <Table.Td data-testid="debug-lexical">
                    <SignalCell signal={hit.debug?.lexical} />
                  </Table.Td>
                  <Table.Td data-testid="debug-fused">
                    <SignalCell signal={hit.debug?.fused} />
                  </Table.Td>
                  <Table.Td>
                    <SignalCell signal={hit.debug?.rerank} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
