import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, vikingData } from '../api/client';
import type { paths } from '../api/schema';

export type DocInfo = paths['/api/knowledge/doc/info']['post']['responses']['200']['content']['application/json']['data'];
export type DocListBody = paths['/api/knowledge/doc/list']['post']['requestBody']['content']['application/json'];

/** process_status values (api.md): 0 done, 1 failed, 2 queued, 5 deleting, 6 processing. */
export const ProcessStatus = { Done: 0, Failed: 1, Queued: 2, Deleting: 5, Processing: 6 } as const;

export const isSettled = (doc: DocInfo) => doc.status.process_status === ProcessStatus.Done || doc.status.process_status === ProcessStatus.Failed;

/** While anything on the page is still moving, re-read the page this often; nothing is polled when all is settled. */
export const LIVE_POLL_MS = 2000;

export const documentsKey = (collection: string) => ['documents', collection] as const;

export function useDocumentPage(collection: string, page: { offset: number; limit: number; docType?: string; docId?: string }) {
  return useQuery({
    queryKey: [...documentsKey(collection), page],
    queryFn: async () => {
      const body: DocListBody = {
        collection_name: collection,
        offset: page.offset,
        limit: page.limit,
        ...(page.docType ? { doc_type: page.docType } : {}),
        ...(page.docId ? { filter: { doc_id_list: [page.docId] } } : {}),
      };
      return vikingData(await api.POST('/api/knowledge/doc/list', { body }));
    },
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.doc_list.some((d) => !isSettled(d)) ? LIVE_POLL_MS : false),
  });
}

export function useDocumentMutations(collection: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: documentsKey(collection) });
  const remove = useMutation({
    mutationFn: async (docId: string) => vikingData(await api.POST('/api/knowledge/doc/delete', { body: { collection_name: collection, doc_id: docId } })),
    onSuccess: refresh,
  });
  const updateMeta = useMutation({
    mutationFn: async ({ docId, meta }: { docId: string; meta: paths['/api/knowledge/doc/update_meta']['post']['requestBody']['content']['application/json']['meta'] }) =>
      vikingData(await api.POST('/api/knowledge/doc/update_meta', { body: { collection_name: collection, doc_id: docId, meta } })),
    onSuccess: refresh,
  });
  const retry = useMutation({
    mutationFn: async (docId: string) => vikingData(await api.POST('/api/knowledge/doc/retry', { body: { collection_name: collection, doc_id: docId } })),
    onSuccess: refresh,
  });
  return { remove, updateMeta, retry, refresh };
}
