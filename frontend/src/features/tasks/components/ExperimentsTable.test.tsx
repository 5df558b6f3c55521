import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { REPEATED } from '../../../test/experimentFixtures';
import { renderWithProviders } from '../../../test/render';
import type { Experiment } from '../types/task';
import { ExperimentsTable } from './ExperimentsTable';

describe('ExperimentsTable with repeats', () => {
  it('lists each repeat under its original, labelled, and the mean ± interval on the original', () => {
    renderWithProviders(<ExperimentsTable experiments={REPEATED} bestId={2} onShowLog={() => {}} onSaveAsPreset={() => {}} />);
    const rows = screen.getAllByTestId('experiment-row');
    expect(rows.map((r) => [r.getAttribute('data-sequence'), r.getAttribute('data-repeat-of') ?? ''])).toEqual([
      ['1', ''],
      ['4', '1'],
      ['5', '1'],
      ['2', ''],
      ['6', '2'],
      ['7', '2'],
      ['3', ''],
    ]);
    expect(within(rows[1]).getByTestId('repeat-label')).toHaveTextContent('repeat of #1');
    expect(within(rows[3]).getByTestId('score-interval')).toHaveTextContent('120 ± 4.97');
    expect(within(rows[4]).queryByTestId('score-interval')).toBeNull();
  });

  it('shows a pruned experiment with its reason and without a save action', () => {
    renderWithProviders(<ExperimentsTable experiments={REPEATED} bestId={2} onShowLog={() => {}} onSaveAsPreset={() => {}} />);
    const pruned = screen.getAllByTestId('experiment-row').find((r) => r.getAttribute('data-status') === 'pruned');
    expect(pruned).toBeDefined();
    expect(within(pruned as HTMLElement).getByTestId('experiment-status')).toHaveTextContent('Pruned');
    expect(within(pruned as HTMLElement).getByTestId('experiment-error')).toHaveTextContent(/less than half the best so far/);
    expect(within(pruned as HTMLElement).queryByRole('button', { name: /Save experiment/ })).toBeNull();
  });
});

function experiment(sequence: number, node: string | null): Experiment {
  return {
    id: sequence,
    task_id: 1,
    sequence,
    parameters: { 'schedule-policy': 'lpm' },
    status: 'succeeded',
    metrics: null,
    score: 10 + sequence,
    error_message: null,
    command: null,
    log_path: null,
    node,
    started_at: '2026-11-30T10:00:00Z',
    ended_at: '2026-11-30T10:00:05Z',
    created_at: '2026-11-30T10:00:00Z',
  };
}

const noop = () => undefined;

describe('ExperimentsTable', () => {
  it('shows which node ran each experiment when they ran on a Ray cluster', () => {
    renderWithProviders(
      <ExperimentsTable experiments={[experiment(1, 'gpu-1'), experiment(2, 'gpu-2')]} bestId={2} onShowLog={noop} onSaveAsPreset={noop} />,
    );
    expect(screen.getByRole('columnheader', { name: 'Node' })).toBeInTheDocument();
    expect(screen.getAllByTestId('experiment-node').map((cell) => cell.textContent)).toEqual(['gpu-1', 'gpu-2']);
  });

  it('has no Node column when every experiment ran on this machine', () => {
    renderWithProviders(<ExperimentsTable experiments={[experiment(1, null)]} bestId={null} onShowLog={noop} onSaveAsPreset={noop} />);
    expect(screen.queryByRole('columnheader', { name: 'Node' })).not.toBeInTheDocument();
    expect(screen.queryByTestId('experiment-node')).not.toBeInTheDocument();
  });
});
