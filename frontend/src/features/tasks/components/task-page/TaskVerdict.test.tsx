import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { REPEATED, task } from '../../../../test/experimentFixtures';
import { renderWithProviders } from '../../../../test/render';
import { TaskVerdict } from './TaskVerdict';

const significant = {
  kind: 'significant' as const,
  sentence: 'Best: #2, ahead of #1 by 20.0% (significant at 95%; #2 120 ± 4.968 (3 runs) vs #1 100 ± 9.937 (3 runs)). Measured noise: 2.9%.',
  best_experiment_id: 2,
  runner_up_experiment_id: 1,
  lead_percent: 20,
  tied_experiment_ids: [2],
  noise_cv: 0.0289,
};

describe('TaskVerdict', () => {
  it('says the server sentence, the kind, the measured noise and the best with a save button', async () => {
    const onSave = vi.fn();
    renderWithProviders(<TaskVerdict task={task('completed', { verdict: significant, best_experiment_id: 2 })} experiments={REPEATED} onSave={onSave} />);
    const card = screen.getByTestId('task-verdict');
    expect(card).toHaveAttribute('data-kind', 'significant');
    expect(screen.getByTestId('verdict-kind')).toHaveTextContent('Significant');
    expect(screen.getByTestId('verdict-sentence')).toHaveTextContent(significant.sentence);
    expect(screen.getByTestId('verdict-noise')).toHaveTextContent('Measured noise: 2.9%');
    const best = screen.getByTestId('verdict-best');
    expect(best).toHaveTextContent('Best configuration #2 · 120 ± 4.97 (3 runs)');
    expect(within(best).getByText('tp-size: 2')).toBeInTheDocument();
    expect(screen.queryByTestId('verdict-tied')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Save as preset' }));
    expect(onSave).toHaveBeenCalledWith(2);
  });

  it('lists the configurations tied within noise with their figures', () => {
    const tied = { ...significant, kind: 'tied' as const, sentence: '#2 and #1 are tied within noise (scores ...).', tied_experiment_ids: [2, 1] };
    renderWithProviders(<TaskVerdict task={task('completed', { verdict: tied })} experiments={REPEATED} onSave={() => {}} />);
    expect(screen.getByTestId('verdict-kind')).toHaveTextContent('Tied within noise');
    const rows = screen.getAllByTestId('tied-experiment');
    expect(rows.map((r) => r.getAttribute('data-sequence'))).toEqual(['2', '1']);
    expect(rows[1]).toHaveTextContent('100 ± 9.94 (3 runs)');
  });

  it('says the noise is unknown when nothing was repeated, and how many experiments a warm start used', () => {
    const unrepeated = { ...significant, kind: 'unrepeated' as const, noise_cv: null, sentence: 'Best: #2, measured once, so noise is unknown: set optimization.repeats.' };
    renderWithProviders(
      <TaskVerdict task={task('completed', { verdict: unrepeated, warm_start_used: 12 })} experiments={REPEATED} onSave={() => {}} />,
    );
    expect(screen.getByTestId('verdict-kind')).toHaveTextContent('Not repeated');
    expect(screen.getByTestId('verdict-noise')).toHaveTextContent('Measured noise: unknown');
    expect(screen.getByTestId('warm-start-used')).toHaveTextContent('Warm start: 12 earlier experiments used');
  });

  it('shows nothing before the task has a verdict', () => {
    const { container } = renderWithProviders(<TaskVerdict task={task('running', { verdict: null })} experiments={[]} onSave={() => {}} />);
    expect(container.querySelector('[data-testid="task-verdict"]')).toBeNull();
  });
});
