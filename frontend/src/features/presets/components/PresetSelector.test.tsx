import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../api/client';
import { renderWithProviders } from '../../../test/render';
import { makePreset } from '../../../test/presetFixtures';
import type { MergeStrategy } from '../../../api/enums';
import type { MergeResult, Preset } from '../types/preset';
import { PresetSelector } from './PresetSelector';

function preset(id: number, name: string, category: string, parameters: Preset['parameters']): Preset {
  return makePreset(id, name, { category, parameters, is_system: true });
}

const PRESETS = [
  preset(1, 'Memory Efficient', 'memory', { 'tp-size': [1], 'mem-fraction-static': [0.7, 0.75] }),
  preset(2, 'High Throughput', 'performance', { 'tp-size': [2, 4], 'mem-fraction-static': [0.9] }),
  preset(3, 'Low Latency', 'performance', { 'tp-size': [1, 2], 'schedule-policy': ['lpm'] }),
];

const UNION: MergeResult = {
  parameters: { 'tp-size': [1, 2, 4], 'mem-fraction-static': [0.7, 0.75, 0.9] },
  applied_presets: ['High Throughput', 'Memory Efficient'],
  merge_strategy: 'union',
  conflicts: [],
  combinations: 9,
};

const LAST_WINS: MergeResult = {
  parameters: { 'tp-size': [1], 'mem-fraction-static': [0.7, 0.75] },
  applied_presets: ['High Throughput', 'Memory Efficient'],
  merge_strategy: 'last_wins',
  conflicts: [
    {
      parameter: 'tp-size',
      presets: ['High Throughput', 'Memory Efficient'],
      values: [[2, 4], [1]],
      kept: [1],
      message: "'tp-size': High Throughput has [2, 4], Memory Efficient has [1]; last_wins keeps Memory Efficient's [1].",
    },
  ],
  combinations: 2,
};

function Harness({
  initial = [],
  merge,
  onIds = () => {},
  onStrategy = () => {},
}: {
  initial?: number[];
  merge?: { data: MergeResult | undefined; loading: boolean; error: unknown };
  onIds?: (ids: number[]) => void;
  onStrategy?: (s: MergeStrategy) => void;
}) {
  const [ids, setIds] = useState(initial);
  const [strategy, setStrategy] = useState<MergeStrategy>('union');
  return (
    <PresetSelector
      presets={PRESETS}
      value={ids}
      onChange={(next) => {
        setIds(next);
        onIds(next);
      }}
      strategy={strategy}
      onStrategyChange={(s) => {
        setStrategy(s);
        onStrategy(s);
      }}
      merge={merge ?? { data: strategy === 'union' ? UNION : LAST_WINS, loading: false, error: null }}
    />
  );
}

describe('PresetSelector', () => {
  it('offers presets grouped by category and keeps picks in the order picked', async () => {
    const user = userEvent.setup();
    const onIds = vi.fn();
    renderWithProviders(<Harness onIds={onIds} />);
    const input = screen.getByRole('combobox', { name: 'Presets' });
    await user.click(input);
    const listbox = screen.getByRole('listbox');
    expect(within(listbox).getByText('Memory')).toBeInTheDocument();
    expect(within(listbox).getByText('Performance')).toBeInTheDocument();
    await user.type(input, 'High');
    await user.click(screen.getByRole('option', { name: /High Throughput/ }));
    await user.type(input, 'Memory');
    await user.click(screen.getByRole('option', { name: /Memory Efficient/ }));
    expect(onIds).toHaveBeenLastCalledWith([2, 1]);
  });

  it('shows the merge strategy only with two or more presets, each with one line', () => {
    const { unmount } = renderWithProviders(<Harness initial={[2]} />);
    expect(screen.queryByText('Merge strategy')).not.toBeInTheDocument();
    unmount();
    renderWithProviders(<Harness initial={[2, 1]} />);
    expect(screen.getByText('Merge strategy')).toBeInTheDocument();
    for (const label of ['Union:', 'Intersection:', 'Last Wins:', 'Deep Merge:']) expect(screen.getByText(label)).toBeInTheDocument();
  });

  it('switches strategy and the preview follows', async () => {
    const user = userEvent.setup();
    const onStrategy = vi.fn();
    renderWithProviders(<Harness initial={[2, 1]} onStrategy={onStrategy} />);
    expect(JSON.parse(screen.getByTestId('merged-json').textContent!)).toEqual(UNION.parameters);
    expect(screen.getByTestId('combinations')).toHaveTextContent('9 combinations');
    expect(screen.getByText('No conflicts between the picked presets.')).toBeInTheDocument();

    await user.click(screen.getByRole('radio', { name: 'Last Wins' }));
    expect(onStrategy).toHaveBeenCalledWith('last_wins');
    expect(JSON.parse(screen.getByTestId('merged-json').textContent!)).toEqual(LAST_WINS.parameters);
    expect(screen.getByTestId('combinations')).toHaveTextContent('2 combinations');
    expect(screen.getByTestId('merge-conflicts')).toHaveTextContent("last_wins keeps Memory Efficient's [1]");
  });

  it('shows why presets cannot be merged', () => {
    const error = new ApiError(422, "No common values in intersection for 'tp-size': switch to union or last_wins.");
    renderWithProviders(<Harness initial={[2, 1]} merge={{ data: undefined, loading: false, error }} />);
    expect(screen.getByRole('alert')).toHaveTextContent("No common values in intersection for 'tp-size'");
  });
});
