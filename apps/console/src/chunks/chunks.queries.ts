import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, vikingData } from '../api/client';
import type { paths } from '../api/schema';

export type Point = paths['/api/knowledge/point/info']['post']['responses']['200']['content']['application/json']['data'];

export const chunksKey = (collection: string, docId: string) => ['chunks', collection, docId] as const;

export function useDocumentChunks(collection: string, docId: string, page: { offset: number; limit: number }) {
  return useQuery({
    queryKey: [...chunksKey(collection, docId), page],
    queryFn: async () =>
      vikingData(await api.POST('/api/knowledge/point/list', { body: { collection_name: collection, doc_ids: [docId], offset: page.offset, limit: page.limit } })),
  });
}

export function useDocumentInfo(collection: string, docId: string) {
  return useQuery({
    queryKey: ['document', collection, docId],
    queryFn: async () => vikingData(await api.POST('/api/knowledge/doc/info', { body: { collection_name: collection, doc_id: docId } })),
  });
}

export function useChunkMutations(collection: string, docId: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: chunksKey(collection, docId) });
  const update = useMutation({
    mutationFn: async (p: { point_id: string; chunk_title: string; content: string }) =>
      vikingData(await api.POST('/api/knowledge/point/update', { body: { collection_name: collection, ...p } })),
    onSuccess: refresh,
  });
  const add = useMutation({
    mutationFn: async (p: { chunk_title: string; content: string }) =>
      vikingData(await api.POST('/api/knowledge/point/add', { body: { collection_name: collection, doc_id: docId, ...p } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (pointId: string) => vikingData(await api.POST('/api/knowledge/point/delete', { body: { collection_name: collection, point_id: pointId } })),
    onSuccess: refresh,
  });
  return { update, add, remove };
}
