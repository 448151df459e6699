import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, jsonData } from '../api/client';
import type { paths } from '../api/schema';

export type Bot = paths['/api/v2/bots/{bot_id}']['get']['responses']['200']['content']['application/json'];
export type CreateBotBody = paths['/api/v2/bots']['post']['requestBody']['content']['application/json'];
export type UpdateBotBody = paths['/api/v2/bots/{bot_id}']['put']['requestBody']['content']['application/json'];

export const botsKey = ['bots'] as const;

export function useBots() {
  return useQuery({ queryKey: botsKey, queryFn: async () => jsonData(await api.GET('/api/v2/bots')) });
}

export function useBotMutations() {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: botsKey });
  const create = useMutation({ mutationFn: async (body: CreateBotBody) => jsonData(await api.POST('/api/v2/bots', { body })), onSuccess: refresh });
  const update = useMutation({
    mutationFn: async ({ id, body }: { id: string; body: UpdateBotBody }) => jsonData(await api.PUT('/api/v2/bots/{bot_id}', { params: { path: { bot_id: id } }, body })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) => jsonData(await api.DELETE('/api/v2/bots/{bot_id}', { params: { path: { bot_id: id } } })),
    onSuccess: refresh,
  });
  /** GetApiKey: a temporary key that may chat only with this bot. */
  const mintKey = useMutation({
    mutationFn: async ({ botId, seconds }: { botId: string; seconds: number }) =>
      jsonData(
        await api.POST('/', {
          params: { query: { Action: 'GetApiKey', Version: '2024-01-01' } },
          body: { DurationSeconds: seconds, ResourceType: 'bot', ResourceIds: [botId] },
        }),
      ).Result,
  });
  return { create, update, remove, mintKey };
}
