import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router-dom';
import { Layout } from './components/Layout';
import { NewTaskPage } from './pages/NewTask';
import { NotFoundPage } from './pages/NotFound';
import { PresetsPage } from './pages/Presets';
import { TaskDetailPage } from './pages/TaskDetail';
import { TasksPage } from './pages/Tasks';
import { paths, patterns } from './routes';
import { theme } from './theme';

export const routes: RouteObject[] = [
  {
    path: paths.home,
    element: <Layout />,
    children: [
      { index: true, element: <Navigate to={paths.presets} replace /> },
      { path: patterns.presets, element: <PresetsPage /> },
      { path: patterns.tasks, element: <TasksPage /> },
      { path: patterns.newTask, element: <NewTaskPage /> },
      { path: patterns.task, element: <TaskDetailPage /> },
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
