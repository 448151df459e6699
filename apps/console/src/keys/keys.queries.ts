import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, jsonData } from '../api/client';

export const apiKeysKey = ['api-keys'] as const;
export const accessKeysKey = ['access-keys'] as const;

export function useApiKeys() {
  const client = useQueryClient();
  const list = useQuery({ queryKey: apiKeysKey, queryFn: async () => jsonData(await api.GET('/api/admin/keys')).keys });
  const refresh = () => client.invalidateQueries({ queryKey: apiKeysKey });
  const mint = useMutation({ mutationFn: async (description: string) => jsonData(await api.POST('/api/admin/keys', { body: { description } })), onSuccess: refresh });
  const revoke = useMutation({
    mutationFn: async (id: string) => jsonData(await api.DELETE('/api/admin/keys/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  return { list, mint, revoke };
}

export function useAccessKeys() {
  const client = useQueryClient();
  const list = useQuery({ queryKey: accessKeysKey, queryFn: async () => jsonData(await api.GET('/api/admin/access-keys')).access_keys });
  const refresh = () => client.invalidateQueries({ queryKey: accessKeysKey });
  const mint = useMutation({ mutationFn: async (description: string) => jsonData(await api.POST('/api/admin/access-keys', { body: { description } })), onSuccess: refresh });
  const revoke = useMutation({
    mutationFn: async (id: string) => jsonData(await api.DELETE('/api/admin/access-keys/{access_key_id}', { params: { path: { access_key_id: id } } })),
    onSuccess: refresh,
  });
  return { list, mint, revoke };
}
