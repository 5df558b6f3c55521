import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { vi } from 'vitest';
import { theme } from '../theme';

/** Renders UI inside the app's providers, with a fresh query cache. */
export function renderWithProviders(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return {
    client,
    ...render(
      <MantineProvider theme={theme} env="test">
        <Notifications />
        <QueryClientProvider client={client}>
          <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    ),
  };
}

/** A fetch stand-in that answers like the service, for components under test. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

type Handler = (request: { method: string; url: URL; body: unknown }) => Response | Promise<Response>;

/**
 * Stands in for the service: `routes` maps "METHOD /path" (no query) to a handler. Unknown
 * routes answer 404 with a sentence, so a test never silently talks to nothing.
 */
export function mockApi(routes: Record<string, Handler>) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(String(input), 'http://ui.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return jsonResponse({ detail: `No route for ${method} ${url.pathname} in the test.` }, 404);
    let body: unknown = init?.body;
    if (typeof body === 'string') body = JSON.parse(body);
    return handler({ method, url, body });
  });
}
