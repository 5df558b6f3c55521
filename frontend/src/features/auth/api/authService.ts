/**
 * Accounts: who is signed in, sign-in and sign-out, teams, users, API tokens and the audit log.
 * Plain request functions, their query keys, and the TanStack Query hooks the UI uses.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, apiRequest } from '../../../api/client';
import type { components } from '../../../api/schema';

type Schemas = components['schemas'];

export type Me = Schemas['MeRead'];
export type User = Schemas['UserRead'];
export type Team = Schemas['TeamRead'];
export type TeamDetail = Schemas['TeamDetail'];
export type TeamRole = Schemas['TeamRole'];
export type Visibility = Schemas['Visibility'];
export type Sharing = Schemas['Sharing'];
export type Token = Schemas['TokenRead'];
export type TokenCreated = Schemas['TokenCreated'];
export type TokenCreate = Schemas['TokenCreate'];
export type UserCreate = Schemas['UserCreate'];
export type AuditEvent = Schemas['AuditEventRead'];

export interface AuditFilters {
  who?: string;
  action?: string;
  object_type?: string;
  limit?: number;
  offset?: number;
}

const teamPath = (ref: number | string) => apiPath('/api/teams/{team_ref}', { team_ref: ref });
const memberPath = (team: number | string, user: number | string) =>
  apiPath('/api/teams/{team_ref}/members/{user_ref}', { team_ref: team, user_ref: user });

export const authService = {
  me: (signal?: AbortSignal) => apiRequest<Me>(apiPath('/api/auth/me'), { signal, quietUnauthorized: true }),
  login: (username: string, password: string) =>
    apiRequest<Me>(apiPath('/api/auth/login'), { method: 'POST', json: { username, password }, quietUnauthorized: true }),
  logout: () => apiRequest<void>(apiPath('/api/auth/logout'), { method: 'POST', quietUnauthorized: true }),
  teams: (signal?: AbortSignal) => apiRequest<Team[]>(apiPath('/api/teams/'), { signal }),
  team: (ref: number | string, signal?: AbortSignal) => apiRequest<TeamDetail>(teamPath(ref), { signal }),
  createTeam: (name: string) => apiRequest<TeamDetail>(apiPath('/api/teams/'), { method: 'POST', json: { name } }),
  setMember: (team: number, username: string, role: TeamRole) =>
    apiRequest<unknown>(memberPath(team, username), { method: 'PUT', json: { role } }),
  removeMember: (team: number, username: string) => apiRequest<void>(memberPath(team, username), { method: 'DELETE' }),
  users: (signal?: AbortSignal) => apiRequest<User[]>(apiPath('/api/users/'), { signal }),
  createUser: (body: UserCreate) => apiRequest<User>(apiPath('/api/users/'), { method: 'POST', json: body }),
  updateUser: (username: string, body: { disabled?: boolean; is_admin?: boolean }) =>
    apiRequest<User>(apiPath('/api/users/{user_ref}', { user_ref: username }), { method: 'PATCH', json: body }),
  tokens: (signal?: AbortSignal) => apiRequest<Token[]>(apiPath('/api/tokens/'), { signal }),
  createToken: (body: TokenCreate) => apiRequest<TokenCreated>(apiPath('/api/tokens/'), { method: 'POST', json: body }),
  revokeToken: (id: number) => apiRequest<void>(apiPath('/api/tokens/{token_id}', { token_id: id }), { method: 'DELETE' }),
  audit: (filters: AuditFilters = {}, signal?: AbortSignal) =>
    apiRequest<AuditEvent[]>(apiPath('/api/audit/'), { query: { ...filters }, signal }),
};

export const authKeys = {
  me: ['auth', 'me'] as const,
  teams: ['auth', 'teams'] as const,
  team: (id: number) => ['auth', 'teams', id] as const,
  users: ['auth', 'users'] as const,
  tokens: ['auth', 'tokens'] as const,
  audit: (filters: AuditFilters) => ['auth', 'audit', filters] as const,
};

export function useMe() {
  return useQuery({ queryKey: authKeys.me, queryFn: ({ signal }) => authService.me(signal), staleTime: 60_000, retry: 1 });
}

/** Signs in; on success the whole cache is fetched again as the new user. */
export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ username, password }: { username: string; password: string }) => authService.login(username, password),
    onSuccess: async (me) => {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' || q.queryKey[1] !== 'me' });
      client.setQueryData(authKeys.me, me);
    },
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: authService.logout,
    onSuccess: () => {
      // Nothing of the signed-out user stays in the cache; the gate shows the Sign-in page.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' || q.queryKey[1] !== 'me' });
      client.setQueryData<Me>(authKeys.me, { mode: 'signed-out', user: null, teams: [] });
      return client.invalidateQueries({ queryKey: authKeys.me });
    },
  });
}

/** Teams the caller may see (admins: every team); only asked when someone is signed in. */
export function useTeams(enabled = true) {
  return useQuery({ queryKey: authKeys.teams, queryFn: ({ signal }) => authService.teams(signal), enabled, staleTime: 30_000 });
}

export function useTeam(id: number | null) {
  return useQuery({
    queryKey: authKeys.team(id ?? 0),
    queryFn: ({ signal }) => authService.team(id ?? 0, signal),
    enabled: id !== null,
  });
}

export function useUsers(enabled = true) {
  return useQuery({ queryKey: authKeys.users, queryFn: ({ signal }) => authService.users(signal), enabled });
}

export function useTokens() {
  return useQuery({ queryKey: authKeys.tokens, queryFn: ({ signal }) => authService.tokens(signal) });
}

export function useAudit(filters: AuditFilters) {
  return useQuery({
    queryKey: authKeys.audit(filters),
    queryFn: ({ signal }) => authService.audit(filters, signal),
    placeholderData: (previous) => previous,
  });
}

/** A mutation that refreshes the account queries (the caller, teams, users, tokens) when it succeeds. */
export function useAccountMutation<A, R>(fn: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: ['auth'] }),
  });
}
