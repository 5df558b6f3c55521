import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, mockApi, renderWithProviders } from '../../../test/render';
import { makePreset } from '../../../test/presetFixtures';
import type { Preset } from '../types/preset';
import { PresetsTable } from './PresetsTable';

afterEach(() => vi.restoreAllMocks());

function preset(id: number, name: string, runtime: Preset['runtime'], parameters: Preset['parameters']): Preset {
  return makePreset(id, name, { runtime, parameters });
}

const VERSION = {
  version: '0.5.23',
  label: 'SGLang 0.5.23',
  package: 'sglang-0.5.23-py3-none-any.whl',
  sha256: 'x',
  source: 'wheel',
  flag_count: 1,
  engine_flag_count: 2,
  renamed: { 'cuda-graph-max-bs': 'cuda-graph-max-bs-decode' },
};
const FLAGS = ['tp-size', 'cuda-graph-max-bs-decode'].map((name) => ({ name, type: 'int', aliases: [], switch: false, multiple: false, deprecated: false, help: '', tuned: false }));

describe('PresetsTable: outdated flags', () => {
  it('badges the presets whose flags the newest catalog lacks, fetching each engine once', async () => {
    const calls: string[] = [];
    mockApi({
      'GET /api/runtimes/sglang/versions': ({ url }) => (calls.push(url.pathname), jsonResponse([VERSION])),
      'GET /api/runtimes/sglang/flags': ({ url }) => (calls.push(url.pathname), jsonResponse(FLAGS)),
    });
    const presets = [
      preset(1, 'Old Graphs', 'sglang', { 'tp-size': [1], 'cuda-graph-max-bs': [160] }),
      preset(2, 'Fine', 'sglang', { 'tp-size': [1, 2] }),
      preset(3, 'Anywhere', null, { 'cuda-graph-max-bs': [8] }),
    ];
    renderWithProviders(<PresetsTable presets={presets} onEdit={vi.fn()} onDuplicate={vi.fn()} onDelete={vi.fn()} />);

    const rows = screen.getAllByTestId('preset-row');
    const badge = await within(rows[0]!).findByTestId('preset-outdated');
    expect(badge).toHaveTextContent('1 flag outdated');
    expect(within(rows[1]!).queryByTestId('preset-outdated')).toBeNull();
    expect(within(rows[2]!).queryByTestId('preset-outdated')).toBeNull();
    expect(calls.sort()).toEqual(['/api/runtimes/sglang/flags', '/api/runtimes/sglang/versions']);

    await userEvent.click(badge);
    expect(await screen.findByTestId('preset-outdated-sentence')).toHaveTextContent(
      "'cuda-graph-max-bs' is not a flag of SGLang 0.5.23: it was renamed to 'cuda-graph-max-bs-decode'.",
    );
  });
});
