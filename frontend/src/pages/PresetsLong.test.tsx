import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Preset } from '../features/presets';
import { jsonResponse, mockApi, renderWithProviders } from '../test/render';
import { makePreset } from '../test/presetFixtures';
import { PresetsPage } from './Presets';

afterEach(() => vi.restoreAllMocks());

/** `n` presets named "Preset 0001"…. */
function many(n: number): Preset[] {
  return Array.from({ length: n }, (_, i) => makePreset(i + 1, `Preset ${String(i + 1).padStart(4, '0')}`));
}

const rowNames = () => screen.getAllByTestId('preset-row').map((row) => row.getAttribute('data-preset-name'));

describe('Presets page with 1,000 presets', () => {
  it('virtualises the list and the search still filters it (on the server, by q)', async () => {
    const all = many(1000);
    const asked: (string | null)[] = [];
    mockApi({
      'GET /api/presets/': ({ url }) => {
        const q = url.searchParams.get('q');
        asked.push(q);
        return jsonResponse(q ? all.filter((p) => p.name.toLowerCase().includes(q.toLowerCase())) : all);
      },
    });
    renderWithProviders(<PresetsPage />, { route: '/presets' });
    expect(await screen.findByText('1000 of 1000 presets')).toBeInTheDocument();
    expect(screen.getAllByTestId('preset-row').length).toBeLessThan(60);

    await userEvent.type(screen.getByLabelText('Search presets'), 'Preset 09');
    expect(await screen.findByText('100 of 1000 presets')).toBeInTheDocument();
    expect(asked).toContain('Preset 09');
    await waitFor(() => expect(rowNames()[0]).toBe('Preset 0900'));
    expect(rowNames().every((name) => name!.startsWith('Preset 09'))).toBe(true);

    await userEvent.clear(screen.getByLabelText('Search presets'));
    await userEvent.type(screen.getByLabelText('Search presets'), 'Preset 0012');
    expect(await screen.findByText('1 of 1000 presets')).toBeInTheDocument();
    await waitFor(() => expect(rowNames()).toEqual(['Preset 0012']));
  });
});
