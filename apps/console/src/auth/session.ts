import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, jsonData } from '../api/client';

export const SESSION_KEY = ['console-session'] as const;

/** Who is signed in; an ApiError with status 401 when nobody is. */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async () => jsonData(await api.GET('/console/session')),
    retry: false,
    staleTime: 60_000,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (apiKey: string) => jsonData(await api.POST('/console/session', { body: { api_key: apiKey } })),
    onSuccess: (session) => {
      client.clear();
      client.setQueryData(SESSION_KEY, session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.DELETE('/console/session');
    },
    onSettled: () => {
      client.clear();
      void client.invalidateQueries({ queryKey: SESSION_KEY });
    },
  });
}
