import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPEATED, task } from '../../../../test/experimentFixtures';
import { jsonResponse, mockApi, renderWithProviders } from '../../../../test/render';
import type { ParetoRead } from '../../lib/trust';
import { ParetoFront } from './ParetoFront';

// jsdom lays nothing out: give the chart's container the size a browser would, so recharts draws.
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue(DOMRect.fromRect({ width: 560, height: 300 }));
});
afterEach(() => vi.restoreAllMocks());

const objectives = ['maximize_throughput', 'minimize_ttft', 'minimize_tpot'] as const;
const PARETO: ParetoRead = {
  objectives: [...objectives],
  points: [
    { experiment_id: 1, parameters: { 'tp-size': 1 }, objective_values: { maximize_throughput: 100, minimize_ttft: 40, minimize_tpot: 6 }, dominated: false },
    { experiment_id: 2, parameters: { 'tp-size': 2 }, objective_values: { maximize_throughput: 120, minimize_ttft: 50, minimize_tpot: 5 }, dominated: false },
    { experiment_id: 7, parameters: { 'tp-size': 2 }, objective_values: { maximize_throughput: 90, minimize_ttft: 60, minimize_tpot: 7 }, dominated: true },
  ],
};
const multi = (extra = {}) =>
  task('completed', {
    optimization: { strategy: 'bayesian', objective: 'maximize_throughput', max_iterations: 4, timeout_per_iteration: 60, objectives: [...objectives] },
    ...extra,
  } as never);

describe('ParetoFront', () => {
  it('lists every point with each objective as a column, the front first, the dominated faded', async () => {
    mockApi({ 'GET /api/tasks/7/pareto': () => jsonResponse(PARETO) });
    renderWithProviders(<ParetoFront task={multi()} experiments={REPEATED} onSave={() => {}} />);
    const table = await screen.findByTestId('pareto-table');
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(expect.arrayContaining(['Throughputtok/s per GPU', 'TTFTms', 'TPOTms']));
    const rows = within(table).getAllByTestId('pareto-row');
    expect(rows.map((r) => [r.querySelector('td')?.textContent, r.getAttribute('data-dominated')])).toEqual([
      ['#1', 'false'],
      ['#2', 'false'],
      ['#7', 'true'],
    ]);
    expect(rows[2]).toHaveStyle({ opacity: '0.6' });
    expect(within(rows[0]).getByText('On the front')).toBeInTheDocument();
    expect(within(rows[2]).getByText('dominated')).toBeInTheDocument();
    expect(screen.getByTestId('pareto-chart')).toHaveAccessibleName(/2 of 3 configurations are on the front: #1, #2\./);
    expect(screen.getByRole('list', { name: 'Pareto legend' })).toHaveTextContent('Dominated (1), faded');
  });

  it('saves any point, dominated or not, as a preset', async () => {
    mockApi({ 'GET /api/tasks/7/pareto': () => jsonResponse(PARETO) });
    const onSave = vi.fn();
    renderWithProviders(<ParetoFront task={multi()} experiments={REPEATED} onSave={onSave} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Save #7 as preset' }));
    expect(onSave).toHaveBeenCalledWith(7);
  });

  it('draws every point on the chart, the front joined, and saves the point clicked', async () => {
    mockApi({ 'GET /api/tasks/7/pareto': () => jsonResponse(PARETO) });
    const onSave = vi.fn();
    renderWithProviders(<ParetoFront task={multi()} experiments={REPEATED} onSave={onSave} />);
    const chart = await screen.findByTestId('pareto-chart');
    await waitFor(() => expect(chart.querySelectorAll('.recharts-scatter-symbol')).toHaveLength(3));
    // The front's two points are joined by one line; the dominated one is not on it.
    expect(chart.querySelectorAll('.recharts-scatter-line')).toHaveLength(1);
    const symbols = [...chart.querySelectorAll('.recharts-scatter-symbol')];
    await userEvent.click(symbols[0]);
    expect(onSave).toHaveBeenCalledWith(7);
  });

  it('asks nothing of the server for a task with one objective', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const { container } = renderWithProviders(<ParetoFront task={task('completed')} experiments={REPEATED} onSave={() => {}} />);
    expect(container.querySelector('[data-testid="pareto-front"]')).toBeNull();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("shows the server's sentence when the front cannot be loaded", async () => {
    mockApi({ 'GET /api/tasks/7/pareto': () => jsonResponse({ detail: 'Task 7 has a single objective, so it has no Pareto front.' }, 409) });
    renderWithProviders(<ParetoFront task={multi()} experiments={REPEATED} onSave={() => {}} />);
    await waitFor(() => expect(screen.getByText(/has no Pareto front/)).toBeInTheDocument());
  });
});
