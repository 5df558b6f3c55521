import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import { REPEATED, RUN } from '../../../test/experimentFixtures';
import { niceTicks, ScoreChart } from './ScoreChart';

describe('ScoreChart', () => {
  it('plots each scored experiment and marks only the best', () => {
    renderWithProviders(<ScoreChart experiments={RUN} bestId={3} />);
    const points = screen.getAllByTestId('chart-point');
    expect(points.map((p) => p.getAttribute('data-sequence'))).toEqual(['1', '2', '3']);
    expect(points.filter((p) => p.getAttribute('data-best') === 'true').map((p) => p.getAttribute('data-sequence'))).toEqual(['3']);
    expect(screen.getByTestId('chart-best-label')).toHaveTextContent('Best #3 · 150');
  });

  it('shows failed experiments as marks without a score', () => {
    renderWithProviders(<ScoreChart experiments={RUN} bestId={3} />);
    const failed = screen.getAllByTestId('chart-failed');
    expect(failed.map((f) => f.getAttribute('data-sequence'))).toEqual(['4']);
    expect(failed[0].querySelector('title')?.textContent).toMatch(/out of memory/);
    expect(screen.getByText('Failed (no score)')).toBeInTheDocument();
  });

  it('is an image with a title and a description naming the best', () => {
    renderWithProviders(<ScoreChart experiments={RUN} bestId={3} scoreLabel="Score" />);
    const chart = screen.getByRole('img', { name: /Score per experiment/ });
    expect(chart).toHaveAccessibleName(/best is experiment #3 with a score of 150/);
    expect(screen.getByRole('list', { name: 'Chart legend' })).toHaveTextContent('Best so far');
  });

  it('follows the best the task names, not only the highest point', () => {
    renderWithProviders(<ScoreChart experiments={RUN} bestId={2} />);
    const best = screen.getAllByTestId('chart-point').filter((p) => p.getAttribute('data-best') === 'true');
    expect(best.map((p) => p.getAttribute('data-sequence'))).toEqual(['2']);
  });

  it('has no best mark before any experiment succeeded', () => {
    renderWithProviders(<ScoreChart experiments={[RUN[3]]} bestId={null} />);
    expect(screen.queryAllByTestId('chart-point')).toHaveLength(0);
    expect(screen.queryByTestId('chart-best-label')).toBeNull();
    expect(screen.getByRole('img')).toHaveAccessibleName(/none scored yet/);
  });
});

describe('ScoreChart with repeats and pruning', () => {
  it('draws one point per configuration at the mean of its runs, with its 95% interval and each run', () => {
    renderWithProviders(<ScoreChart experiments={REPEATED} bestId={2} />);
    // The repeats (#4-#7) are drawn on their originals, not as points of their own.
    expect(screen.getAllByTestId('chart-point').map((p) => p.getAttribute('data-sequence'))).toEqual(['1', '2']);
    const intervals = screen.getAllByTestId('chart-interval');
    expect(intervals.map((i) => i.getAttribute('data-sequence'))).toEqual(['1', '2']);
    expect(Number(intervals[0].getAttribute('data-low'))).toBeCloseTo(90.06, 2);
    expect(Number(intervals[0].getAttribute('data-high'))).toBeCloseTo(109.94, 2);
    expect(screen.getAllByTestId('chart-sample')).toHaveLength(6);
    expect(screen.getAllByTestId('chart-point')[1].querySelector('title')?.textContent).toMatch(/120 ± 4.97 \(3 runs\), 95% interval 115 to 125/);
    expect(screen.getByRole('list', { name: 'Chart legend' })).toHaveTextContent('95% interval of repeated runs');
  });

  it('marks a pruned experiment on the axis, never as the best', () => {
    renderWithProviders(<ScoreChart experiments={REPEATED} bestId={3} />);
    const pruned = screen.getAllByTestId('chart-pruned');
    expect(pruned.map((p) => p.getAttribute('data-sequence'))).toEqual(['3']);
    expect(pruned[0].querySelector('title')?.textContent).toMatch(/pruned \(stopped early, never the best\)/);
    expect(screen.getAllByTestId('chart-point').filter((p) => p.getAttribute('data-best') === 'true')).toHaveLength(0);
    expect(screen.getByText('Pruned (stopped early)')).toBeInTheDocument();
    expect(screen.getByRole('img')).toHaveAccessibleName(/1 pruned, 4 repeat runs/);
  });

  it('draws no interval for a configuration measured once', () => {
    renderWithProviders(<ScoreChart experiments={RUN} bestId={3} />);
    expect(screen.queryAllByTestId('chart-interval')).toHaveLength(0);
    expect(screen.queryByText(/95% interval/)).toBeNull();
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    const ticks = niceTicks(567, 1276);
    expect(ticks[0]).toBeLessThanOrEqual(567);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(1276);
    const steps = new Set(ticks.slice(1).map((t, i) => t - ticks[i]));
    expect(steps.size).toBe(1);
    expect([...steps][0]).toBe(200);
    expect(ticks.length).toBeLessThanOrEqual(7);
  });

  it('widens a single value into a range', () => {
    const ticks = niceTicks(100, 100);
    expect(ticks[0]).toBeLessThan(100);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(100);
  });
});
