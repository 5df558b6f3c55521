import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { REPEATED } from '../../../test/experimentFixtures';
import { renderWithProviders } from '../../../test/render';
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
