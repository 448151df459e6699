import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, vikingData } from '../api/client';
import type { paths } from '../api/schema';

export type CreateCollectionBody = paths['/api/knowledge/collection/create']['post']['requestBody']['content']['application/json'];

export const collectionsKey = ['collections'] as const;

/** `enabled: false` for a session whose key may not read collections (a bot's temporary key). */
export function useCollections(enabled = true) {
  return useQuery({
    queryKey: collectionsKey,
    queryFn: async () => vikingData(await api.POST('/api/knowledge/collection/list', { body: {} })),
    enabled,
  });
}

export function useCreateCollection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: CreateCollectionBody) => vikingData(await api.POST('/api/knowledge/collection/create', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: collectionsKey }),
  });
}

export function useDeleteCollection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => vikingData(await api.POST('/api/knowledge/collection/delete', { body: { name } })),
    onSuccess: () => client.invalidateQueries({ queryKey: collectionsKey }),
  });
}
