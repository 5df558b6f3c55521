import { notifications } from '@mantine/notifications';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, mockApi, renderWithProviders } from '../../../test/render';
import { makePreset } from '../../../test/presetFixtures';
import type { Preset } from '../types/preset';
import { PresetFormModal } from './PresetFormModal';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

function preset(id: number, name: string, more: Partial<Preset> = {}): Preset {
  return makePreset(id, name, more);
}

/** The dialog is a large form: queries in jsdom are slow on a busy machine, so these tests get more time. */
const SLOW = 60_000;

const STALE =
  "Preset 'Mine' changed since you loaded it (you have version 1; local saved version 2 at 2026-11-30 13:37 UTC), so nothing was saved: reload it, apply your change again and save.";

/** The If-Match header of every PUT the form sent. */
function ifMatches(spy: ReturnType<typeof mockApi>): (string | undefined)[] {
  return spy.mock.calls
    .filter(([, init]) => init?.method === 'PUT')
    .map(([, init]) => (init?.headers as Record<string, string>)['If-Match']);
}

describe('PresetFormModal', () => {
  it('sends the version it loaded as If-Match; a 412 shows the sentence, and Reload loads the preset as it is now', async () => {
    const mine = preset(5, 'Mine');
    let puts = 0;
    const spy = mockApi({
      'GET /api/runtimes/sglang/parameters': () => jsonResponse([]),
      'PUT /api/presets/5': () => {
        puts += 1;
        return puts === 1 ? jsonResponse({ detail: STALE }, 412) : jsonResponse({ ...mine, version: 3, description: 'mine, again' });
      },
      'GET /api/presets/5': () => jsonResponse({ ...mine, version: 2, description: 'theirs' }),
    });
    const onClose = vi.fn();
    renderWithProviders(<PresetFormModal mode={{ kind: 'edit', preset: mine }} onClose={onClose} categories={[]} names={[]} presets={[mine]} />);

    await userEvent.click(await screen.findByRole('textbox', { name: 'Description' }));
    await userEvent.paste('mine');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    const stale = await screen.findByTestId('stale-preset');
    expect(stale).toHaveTextContent(STALE);
    expect(stale).toHaveTextContent('This preset changed since you opened it');
    expect(onClose).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Description' })).toHaveValue('theirs'));
    expect(screen.queryByTestId('stale-preset')).toBeNull();
    expect(screen.getByText(/loaded at version 2/)).toBeInTheDocument();

    await userEvent.clear(screen.getByRole('textbox', { name: 'Description' }));
    await userEvent.paste('mine, again');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(ifMatches(spy)).toEqual(['"1"', '"2"']);
  }, SLOW);

  it('shows the effective parameters of the bases picked, each with the preset that gave it', async () => {
    const base = preset(1, 'Base', { parameters: { 'tp-size': [1, 2], 'mem-fraction-static': [0.8] } });
    let sent: unknown = null;
    mockApi({
      'GET /api/runtimes/sglang/parameters': () => jsonResponse([]),
      'POST /api/presets/': ({ body }) => {
        sent = body;
        return jsonResponse({ ...preset(2, 'Child'), extends: [{ id: 1, name: 'Base', slug: 'base' }] }, 201);
      },
    });
    renderWithProviders(<PresetFormModal mode={{ kind: 'create' }} onClose={() => {}} categories={[]} names={[]} presets={[base]} />);
    await userEvent.click(screen.getByRole('textbox', { name: 'Name' }));
    await userEvent.paste('Child');
    await userEvent.click(screen.getByRole('combobox', { name: 'Extends' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Base' }));
    const rows = await screen.findAllByTestId('effective-row');
    expect(rows.map((r) => [r.getAttribute('data-parameter'), r.getAttribute('data-source')])).toEqual([
      ['tp-size', 'Base'],
      ['mem-fraction-static', 'Base'],
    ]);
    // Its own value goes on top of the base's.
    await userEvent.click(screen.getByRole('combobox', { name: 'Parameter 1 name' }));
    await userEvent.paste('tp-size');
    await userEvent.type(screen.getByLabelText('Values of tp-size', { selector: 'input' }), '4{Enter}');
    await waitFor(() =>
      expect(screen.getAllByTestId('effective-row').map((r) => [r.getAttribute('data-parameter'), r.getAttribute('data-source')])).toEqual([
        ['tp-size', 'Child'],
        ['mem-fraction-static', 'Base'],
      ]),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Create preset' }));
    await waitFor(() => expect(sent).toMatchObject({ name: 'Child', extends: [1], parameters: { 'tp-size': [4] } }));
  }, SLOW);
});
