import { notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ViewerContext, type Viewer } from '../features/auth';
import type { Preset } from '../features/presets';
import { jsonResponse, mockApi, renderWithProviders } from '../test/render';
import { PresetsPage } from './Presets';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

const stamp = '2026-11-28T10:00:00Z';
const shared: Preset = {
  id: 7,
  name: 'Team Sweep',
  slug: 'team-sweep',
  description: null,
  category: null,
  runtime: null,
  is_system: false,
  parameters: { 'tp-size': [1, 2] },
  metadata: null,
  owner: 'admin',
  visibility: 'teams',
  team_ids: [3],
  version: 1,
  extends: [],
  effective_parameters: { 'tp-size': [1, 2] },
  effective_sources: [],
  extended_by: 0,
  created_at: stamp,
  updated_at: stamp,
};

function renderAs(viewer: Viewer) {
  const calls: { method: string; path: string; query: string }[] = [];
  mockApi({
    'GET /api/presets/': ({ url }) => {
      calls.push({ method: 'GET', path: url.pathname, query: url.search });
      return jsonResponse(url.searchParams.get('mine') === 'true' ? [] : [shared]);
    },
    'POST /api/presets/7/duplicate': () => {
      calls.push({ method: 'POST', path: '/api/presets/7/duplicate', query: '' });
      return jsonResponse({ ...shared, id: 8, name: 'Team Sweep (copy)', owner: viewer.username, visibility: 'private', team_ids: [] }, 201);
    },
  });
  renderWithProviders(
    <ViewerContext.Provider value={{ viewer, teamNames: new Map([[3, 'ml']]) }}>
      <PresetsPage />
    </ViewerContext.Provider>,
  );
  return calls;
}

const viewerOfMl: Viewer = { mode: 'signed-in', username: 'bob', isAdmin: false, teams: [{ id: 3, name: 'ml', role: 'viewer' }] };

describe('Presets page with accounts', () => {
  it('shows owner and visibility; a viewer of the team gets no Edit, Share or Delete, and Duplicate copies it at once', async () => {
    const calls = renderAs(viewerOfMl);
    const row = await screen.findByRole('row', { name: /Team Sweep/ });
    expect(within(row).getByTestId('owner')).toHaveTextContent('by admin');
    expect(within(row).getByTestId('visibility')).toHaveTextContent('Teams: ml');
    for (const action of ['Edit', 'Share', 'Delete']) {
      expect(within(row).queryByRole('button', { name: `${action} Team Sweep` })).not.toBeInTheDocument();
    }
    await userEvent.setup().click(within(row).getByRole('button', { name: 'Duplicate Team Sweep' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/presets/7/duplicate')).toBe(true));
    expect(await screen.findByText('Preset copied')).toBeInTheDocument();
  });

  it('a member of the team may edit it but not share or delete it', async () => {
    renderAs({ ...viewerOfMl, teams: [{ id: 3, name: 'ml', role: 'member' }] });
    const row = await screen.findByRole('row', { name: /Team Sweep/ });
    expect(within(row).getByRole('button', { name: 'Edit Team Sweep' })).toBeInTheDocument();
    expect(within(row).queryByRole('button', { name: 'Share Team Sweep' })).not.toBeInTheDocument();
    expect(within(row).queryByRole('button', { name: 'Delete Team Sweep' })).not.toBeInTheDocument();
  });

  it('its owner may share it', async () => {
    renderAs({ mode: 'signed-in', username: 'admin', isAdmin: false, teams: [] });
    const row = await screen.findByRole('row', { name: /Team Sweep/ });
    expect(within(row).getByTestId('owner')).toHaveTextContent('yours');
    await userEvent.setup().click(within(row).getByRole('button', { name: 'Share Team Sweep' }));
    expect(await screen.findByRole('dialog', { name: /Share “Team Sweep”/ })).toBeInTheDocument();
  });

  it('the owner filter asks the server for ?mine=true', async () => {
    const calls = renderAs(viewerOfMl);
    await screen.findByRole('row', { name: /Team Sweep/ });
    const user = userEvent.setup();
    await user.click(screen.getByRole('combobox', { name: 'Filter by owner' }));
    await user.click(await screen.findByRole('option', { name: 'Mine' }));
    await waitFor(() => expect(calls.some((c) => c.query.includes('mine=true'))).toBe(true));
    expect(await screen.findByText('No preset matches')).toBeInTheDocument();
  });
});
