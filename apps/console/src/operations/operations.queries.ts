import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, vikingData } from '../api/client';
import type { paths } from '../api/schema';
import { collectionsKey } from '../collections/collections.queries';
import { LIVE_POLL_MS, documentsKey } from '../documents/documents.queries';

export type StatusSummary = paths['/api/knowledge/doc/status_summary']['post']['responses']['200']['content']['application/json']['data'];
export type RecentFailure = StatusSummary['recent_failures'][number];

const statusSummaryKey = ['status-summary'] as const;
/** Settled: nothing queued or processing, so a slow refresh is enough to notice new work. */
const SETTLED_POLL_MS = 10_000;
const FAILURES_SHOWN = 20;

/** doc/status_summary: documents by status across every collection and the latest failures. */
export function useStatusSummary() {
  return useQuery({
    queryKey: statusSummaryKey,
    queryFn: async () => vikingData(await api.POST('/api/knowledge/doc/status_summary', { body: { failure_limit: FAILURES_SHOWN } })),
    refetchInterval: (query) => {
      const counts = query.state.data?.status_count;
      return counts && counts.queued + counts.processing > 0 ? LIVE_POLL_MS : SETTLED_POLL_MS;
    },
  });
}

/** doc/retry of a listed failure, addressed by its collection's resource_id (names repeat across projects). */
export function useRetryFailure() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (failure: RecentFailure) =>
      vikingData(await api.POST('/api/knowledge/doc/retry', { body: { resource_id: failure.resource_id, doc_id: failure.doc_id } })),
    onSuccess: (_data, failure) =>
      Promise.all([
        client.invalidateQueries({ queryKey: statusSummaryKey }),
        client.invalidateQueries({ queryKey: documentsKey(failure.collection_name) }),
        client.invalidateQueries({ queryKey: collectionsKey }),
      ]),
  });
}
