import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { IconHistory, IconKey, IconUsers } from '@tabler/icons-react';
import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router-dom';
import { LazyNotifications } from './components/LazyNotifications';
import { Layout, type NavItem } from './components/Layout';
import { AccountMenu, AuthGate, useViewer } from './features/auth';
import { useServiceVersion } from './features/system';
import { lazyPage } from './lazyPage';
import { paths, patterns } from './routes';
import { theme } from './theme';

// Each page is its own chunk, loaded when its route is first shown (see lazyPage).
const AnalyticsPage = lazyPage(() => import('./pages/Analytics'), 'AnalyticsPage');
const AuditLogPage = lazyPage(() => import('./pages/AuditLog'), 'AuditLogPage');
const NewTaskPage = lazyPage(() => import('./pages/NewTask'), 'NewTaskPage');
const NotFoundPage = lazyPage(() => import('./pages/NotFound'), 'NotFoundPage');
const PresetsPage = lazyPage(() => import('./pages/Presets'), 'PresetsPage');
const TaskDetailPage = lazyPage(() => import('./pages/TaskDetail'), 'TaskDetailPage');
const TasksPage = lazyPage(() => import('./pages/Tasks'), 'TasksPage');
const SystemPage = lazyPage(() => import('./pages/System'), 'SystemPage');
const TokensPage = lazyPage(() => import('./pages/Tokens'), 'TokensPage');
const UsersTeamsPage = lazyPage(() => import('./pages/UsersTeams'), 'UsersTeamsPage');

/** The layout with the account corner, and the account's and admins' pages when someone is signed in. */
function AppLayout() {
  const { viewer } = useViewer();
  const version = useServiceVersion();
  const extraNav: NavItem[] = [];
  if (viewer.mode === 'signed-in') {
    extraNav.push({ to: paths.users, label: viewer.isAdmin ? 'Users & teams' : 'Teams', icon: IconUsers, match: (p) => p === paths.users });
    extraNav.push({ to: paths.tokens, label: 'API tokens', icon: IconKey, match: (p) => p === paths.tokens });
    if (viewer.isAdmin) extraNav.push({ to: paths.audit, label: 'Audit log', icon: IconHistory, match: (p) => p === paths.audit });
  }
  return <Layout account={<AccountMenu />} extraNav={extraNav} version={version} />;
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
      <LazyNotifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
