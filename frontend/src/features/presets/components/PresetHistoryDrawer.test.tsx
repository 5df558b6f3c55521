import { notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, mockApi, renderWithProviders } from '../../../test/render';
import type { Preset } from '../types/preset';
import { comparePair, PresetHistoryDrawer } from './PresetHistoryDrawer';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

const stamp = '2026-11-30T10:00:00Z';
const mine: Preset = {
  id: 7,
  name: 'Mine',
  slug: 'mine',
  description: null,
  category: null,
  runtime: 'sglang',
  is_system: false,
  parameters: { 'tp-size': [1, 2, 8] },
  metadata: null,
  owner: null,
  visibility: 'public',
  team_ids: [],
  version: 2,
  extends: [],
  effective_parameters: { 'tp-size': [1, 2, 8] },
  effective_sources: [],
  extended_by: 0,
  created_at: stamp,
  updated_at: stamp,
};

const version = (number: number, change: string, note: string | null) => ({
  number,
  name: 'Mine',
  change,
  change_note: note,
  summary: number === 1 ? 'Created.' : 'Parameters: tp-size [1, 2] -> [1, 2, 8].',
  author: 'local',
  created_at: stamp,
});

const change = { parameter: 'tp-size', before: [1, 2], after: [1, 2, 8], added_values: [8], removed_values: [] };
const diff = {
  preset_id: 7,
  from_version: 1,
  to_version: 2,
  fields: [{ field: 'description', before: null, after: 'Wider' }],
  parameters: { added: [{ parameter: 'schedule-policy', values: ['lpm'] }], removed: [], changed: [change] },
  effective_parameters: { added: [{ parameter: 'schedule-policy', values: ['lpm'] }], removed: [], changed: [change] },
  summary: 'Parameters: tp-size [1, 2] -> [1, 2, 8].',
};

describe('comparePair', () => {
  it('compares the version picked with the one before it; the first has nothing before', () => {
    expect(comparePair(null, 4)).toEqual({ from: 3, to: 4 });
    expect(comparePair(2, 4)).toEqual({ from: 1, to: 2 });
    expect(comparePair(1, 4)).toEqual({ from: null, to: 1 });
  });
});

describe('PresetHistoryDrawer', () => {
  it('lists the versions newest first, shows the latest change, and restores after a confirmation', async () => {
    const restores: { body: unknown }[] = [];
    const spy = mockApi({
      'GET /api/presets/7/versions': () =>
        jsonResponse({ preset_id: 7, current_version: 2, total: 2, offset: 0, limit: 200, versions: [version(2, 'updated', 'try tp 8'), version(1, 'created', null)] }),
      'GET /api/presets/7/versions/1/diff/2': () => jsonResponse(diff),
      'POST /api/presets/7/versions/1/restore': ({ body }) => {
        restores.push({ body });
        return jsonResponse({ ...mine, version: 3, parameters: { 'tp-size': [1, 2] } });
      },
    });
    renderWithProviders(<PresetHistoryDrawer preset={mine} onClose={() => {}} />);
    const rows = await screen.findAllByTestId('preset-version');
    expect(rows.map((r) => r.getAttribute('data-version'))).toEqual(['2', '1']);
    expect(rows[0]).toHaveTextContent('by local');
    expect(rows[0]).toHaveTextContent('“try tp 8”');
    expect(rows[0]).toHaveTextContent('current');
    expect(within(rows[0]).queryByRole('button', { name: /Restore/ })).toBeNull();

    expect(await screen.findByTestId('diff-changed')).toHaveTextContent('~ tp-size: 1, 2 → 1, 2, 8');
    expect(screen.getByTestId('diff-added')).toHaveTextContent('+ schedule-policy: lpm');
    expect(screen.getByTestId('diff-field')).toHaveTextContent('description: — → Wider');

    await userEvent.click(within(rows[1]).getByRole('button', { name: 'Restore version 1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Restore version 1' });
    expect(dialog).toHaveTextContent('This adds version 3');
    await userEvent.type(within(dialog).getByLabelText('Note'), 'undo');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Restore version 1' }));
    await waitFor(() => expect(restores).toHaveLength(1));
    expect(restores[0].body).toEqual({ change_note: 'undo' });
    const post = spy.mock.calls.find(([, init]) => init?.method === 'POST');
    expect((post?.[1]?.headers as Record<string, string>)['If-Match']).toBe('"2"');
  });
});
