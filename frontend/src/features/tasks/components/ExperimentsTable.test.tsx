import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import type { Experiment } from '../types/task';
import { ExperimentsTable } from './ExperimentsTable';

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
