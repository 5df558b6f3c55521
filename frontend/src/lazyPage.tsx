/**
 * Route-level code splitting: each page is its own chunk, fetched when its route is first shown,
 * behind a loading fallback. The shell (layout, navigation, account corner) stays in the initial chunk.
 */
import { Center, Loader } from '@mantine/core';
import { lazy, Suspense, type ComponentType } from 'react';

/** What a page chunk shows while it loads. */
export function PageLoading() {
  return (
    <Center py="xl" data-testid="page-loading">
      <Loader size="sm" aria-label="Loading the page" />
    </Center>
  );
}

/**
 * A page loaded on demand: `lazyPage(() => import('./pages/Tasks'), 'TasksPage')` is a component
 * that renders the module's named export inside Suspense.
 */
export function lazyPage<M extends Record<K, ComponentType>, K extends keyof M & string>(load: () => Promise<M>, name: K) {
  const Page = lazy(() => load().then((m): { default: ComponentType } => ({ default: m[name] })));
  function LazyPage() {
    return (
      <Suspense fallback={<PageLoading />}>
        <Page />
      </Suspense>
    );
  }
  LazyPage.displayName = `Lazy(${name})`;
  return LazyPage;
}
