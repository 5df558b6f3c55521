/**
 * Decides from GET /api/auth/me: single-user mode and a signed-in user see the app; otherwise
 * the Sign-in page, at the address asked for, so that after signing in the user is where they
 * were. Any 401 of any later call (the session ended) brings the Sign-in page back.
 */
import { Center, Loader } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, type ReactNode } from 'react';
import { onUnauthorized } from '../../../api/client';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { authKeys, useMe, useTeams, type Me } from '../api/authService';
import { viewerFromMe } from '../lib/permissions';
import { ViewerContext } from '../lib/viewerContext';

// Only a signed-out visitor needs the sign-in form: its code loads when it is shown.
const SignInPage = lazy(() => import('./SignInPage').then((m) => ({ default: m.SignInPage })));

function Loading() {
  return (
    <Center h="100vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function AuthGate({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useMe();

  useEffect(
    () =>
      onUnauthorized(() => {
        const signedOut: Me = { mode: 'signed-out', user: null, teams: [] };
        client.setQueryData(authKeys.me, signedOut);
      }),
    [client],
  );

  const signedIn = me.data?.mode === 'signed-in';
  const teams = useTeams(signedIn);
  const state = useMemo(() => {
    const viewer = me.data ? viewerFromMe(me.data) : viewerFromMe({ mode: 'signed-out', user: null, teams: [] });
    const teamNames = new Map<number, string>();
    for (const t of viewer.teams) teamNames.set(t.id, t.name);
    for (const t of teams.data ?? []) teamNames.set(t.id, t.name);
    return { viewer, teamNames };
  }, [me.data, teams.data]);

  if (me.isPending) return <Loading />;
  if (me.isError) {
    return (
      <Center h="100vh" p="md">
        <ApiErrorAlert error={me.error} title="The service cannot tell who you are" />
      </Center>
    );
  }
  if (me.data.mode === 'signed-out') {
    return (
      <Suspense fallback={<Loading />}>
        <SignInPage />
      </Suspense>
    );
  }
  return <ViewerContext.Provider value={state}>{children}</ViewerContext.Provider>;
}
