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
      // Nothing read under another identity survives a sign-in.
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
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
    onSettled: async () => {
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
      await client.resetQueries({ queryKey: SESSION_KEY });
    },
  });
}
