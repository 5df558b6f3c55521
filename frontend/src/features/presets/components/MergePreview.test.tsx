import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import type { MergeConflict, MergeResult, Resolutions } from '../types/preset';
import { MergePreview, selectedResolution } from './MergePreview';

const conflict: MergeConflict = {
  parameter: 'tp-size',
  presets: ['High Throughput', 'Low Latency'],
  values: [
    [2, 4],
    [1, 2],
  ],
  kept: [1, 2, 4],
  message: "'tp-size': High Throughput has [2, 4], Low Latency has [1, 2]; smart unions them to [1, 2, 4].",
  proposed: 'union',
  resolution: null,
  options: { union: [1, 2, 4], intersection: [2], first: [2, 4], last: [1, 2], min: [1], max: [4] },
};

const result: MergeResult = {
  parameters: { 'tp-size': [1, 2, 4] },
  applied_presets: ['High Throughput', 'Low Latency'],
  merge_strategy: 'smart',
  conflicts: [conflict],
  combinations: 3,
  space: { runtime: 'sglang', gpus: null, total: 3, valid: null, truncated: false, removed_by_rule: [], messages: ['Rule x removes 2 combinations.'] },
};

describe('selectedResolution', () => {
  it("shows the user's choice, else the one the request applied, else the proposal", () => {
    expect(selectedResolution(conflict, undefined)).toBe('union');
    expect(selectedResolution({ ...conflict, resolution: 'max' }, undefined)).toBe('max');
    expect(selectedResolution(conflict, 'min')).toBe('min');
    expect(selectedResolution(conflict, [2])).toBe('explicit');
    expect(selectedResolution({ ...conflict, proposed: null }, undefined)).toBeNull();
  });
});

describe('MergePreview', () => {
  it('gives each conflict a choice, the proposal selected, and reports the one picked', async () => {
    const onResolve = vi.fn();
    renderWithProviders(<MergePreview result={result} loading={false} error={null} onResolve={onResolve} />);
    const choice = screen.getByLabelText('Resolve tp-size', { selector: 'input' });
    expect(choice).toHaveValue('Union (proposed): 1, 2, 4');
    expect(screen.getByTestId('merge-rules')).toHaveTextContent('Rule x removes 2 combinations.');
    await userEvent.click(choice);
    await userEvent.click(await screen.findByRole('option', { name: 'Max: 4' }));
    expect(onResolve).toHaveBeenLastCalledWith('tp-size', 'max');
  });

  it('offers explicit values, starting from what the merge keeps', async () => {
    const onResolve = vi.fn();
    function Harness() {
      const [resolutions, setResolutions] = useState<Resolutions>({});
      return (
        <MergePreview
          result={result}
          loading={false}
          error={null}
          resolutions={resolutions}
          onResolve={(parameter, value) => {
            onResolve(parameter, value);
            setResolutions((current) => (value === null ? {} : { ...current, [parameter]: value }));
          }}
        />
      );
    }
    renderWithProviders(<Harness />);
    expect(screen.queryByTestId('resolution-values')).toBeNull();
    await userEvent.click(screen.getByLabelText('Resolve tp-size', { selector: 'input' }));
    await userEvent.click(await screen.findByRole('option', { name: 'Explicit values…' }));
    expect(onResolve).toHaveBeenLastCalledWith('tp-size', [1, 2, 4]);
    const values = screen.getByLabelText('Values to keep', { selector: 'input' });
    await userEvent.type(values, '8{Enter}');
    expect(onResolve).toHaveBeenLastCalledWith('tp-size', [1, 2, 4, 8]);
  });

  it('lists the conflicts in words when no choice is offered', () => {
    renderWithProviders(<MergePreview result={result} loading={false} error={null} />);
    expect(screen.queryByLabelText('Resolve tp-size', { selector: 'input' })).toBeNull();
    expect(screen.getByTestId('merge-conflicts')).toHaveTextContent('smart unions them to [1, 2, 4]');
  });
});
