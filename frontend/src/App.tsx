import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { IconHistory, IconKey, IconUsers } from '@tabler/icons-react';
import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router-dom';
import { Layout, type NavItem } from './components/Layout';
import { AccountMenu, AuthGate, useViewer } from './features/auth';
import { AnalyticsPage } from './pages/Analytics';
import { AuditLogPage } from './pages/AuditLog';
import { NewTaskPage } from './pages/NewTask';
import { NotFoundPage } from './pages/NotFound';
import { PresetsPage } from './pages/Presets';
import { TaskDetailPage } from './pages/TaskDetail';
import { TasksPage } from './pages/Tasks';
import { SystemPage } from './pages/System';
import { TokensPage } from './pages/Tokens';
import { UsersTeamsPage } from './pages/UsersTeams';
import { paths, patterns } from './routes';
import { theme } from './theme';

/** The layout with the account corner, and the account's and admins' pages when someone is signed in. */
function AppLayout() {
  const { viewer } = useViewer();
  const extraNav: NavItem[] = [];
  if (viewer.mode === 'signed-in') {
    extraNav.push({ to: paths.users, label: viewer.isAdmin ? 'Users & teams' : 'Teams', icon: IconUsers, match: (p) => p === paths.users });
    extraNav.push({ to: paths.tokens, label: 'API tokens', icon: IconKey, match: (p) => p === paths.tokens });
    if (viewer.isAdmin) extraNav.push({ to: paths.audit, label: 'Audit log', icon: IconHistory, match: (p) => p === paths.audit });
  }
  return <Layout account={<AccountMenu />} extraNav={extraNav} />;
}

export const routes: RouteObject[] = [
  {
    path: paths.home,
    element: (
      <AuthGate>
        <AppLayout />
      </AuthGate>
    ),
    children: [
      { index: true, element: <Navigate to={paths.presets} replace /> },
      { path: patterns.presets, element: <PresetsPage /> },
      { path: patterns.tasks, element: <TasksPage /> },
      { path: patterns.newTask, element: <NewTaskPage /> },
      { path: patterns.task, element: <TaskDetailPage /> },
      { path: patterns.tokens, element: <TokensPage /> },
      { path: patterns.users, element: <UsersTeamsPage /> },
      { path: patterns.audit, element: <AuditLogPage /> },
      { path: patterns.system, element: <SystemPage /> },
      { path: patterns.analytics, element: <AnalyticsPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false },
    },
  });
}

const router = createBrowserRouter(routes);
const queryClient = makeQueryClient();

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
