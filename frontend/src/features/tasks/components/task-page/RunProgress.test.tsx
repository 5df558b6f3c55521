import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { experiment, task } from '../../../../test/experimentFixtures';
import { renderWithProviders } from '../../../../test/render';
import { RunProgress } from './RunProgress';

describe('RunProgress', () => {
  it('names every experiment running at once', () => {
    const running = [
      experiment(1, 'succeeded', 10, { 'tp-size': 1 }),
      experiment(2, 'benchmarking', null, { 'tp-size': 2 }),
      experiment(3, 'deploying', null, { 'tp-size': 4 }),
    ];
    renderWithProviders(<RunProgress task={task('running')} experiments={running} best={null} onShowTaskLog={() => {}} />);
    expect(screen.getByTestId('run-status-line')).toHaveTextContent('2 experiments running at once: #2 benchmarking, #3 deploying.');
  });

  it('spells out the parameters of a single running experiment', () => {
    const one = [experiment(4, 'benchmarking', null, { 'tp-size': 2 })];
    renderWithProviders(<RunProgress task={task('running')} experiments={one} best={null} onShowTaskLog={() => {}} />);
    expect(screen.getByTestId('run-status-line')).toHaveTextContent('Experiment #4 is benchmarking: tp-size 2');
  });
});
