import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IMPORTANCE, presetAnalytics } from '../test/analyticsFixtures';
import { task } from '../test/experimentFixtures';
import { makePreset } from '../test/presetFixtures';
import { jsonResponse, mockApi, renderWithProviders } from '../test/render';
import { AnalyticsPage } from './Analytics';

afterEach(() => vi.restoreAllMocks());

const PRESETS = [makePreset(3, 'high-throughput'), makePreset(5, 'low-latency')];

function serve(extra: Parameters<typeof mockApi>[0] = {}) {
  const importanceAsked: string[] = [];
  mockApi({
    'GET /api/presets/': () => jsonResponse(PRESETS),
    'GET /api/presets/3/analytics': () => jsonResponse(presetAnalytics()),
    'GET /api/presets/5/analytics': () =>
      jsonResponse(presetAnalytics({ preset_id: 5, preset_name: 'low-latency', tasks: 0, experiments: 0, by_version: [], contexts: [], wins: 0, win_rate: null, trend: [], compared: [] })),
    'GET /api/tasks/': () => jsonResponse([task('completed', { id: 7, task_name: 'sweep' })]),
    'GET /api/analytics/importance': ({ url }) => {
      importanceAsked.push(url.search);
      return jsonResponse(IMPORTANCE);
    },
    ...extra,
  });
  return { importanceAsked };
}

describe('AnalyticsPage', () => {
  it("shows the first preset's record: tasks, experiments, wins, win rate and its contexts", async () => {
    serve();
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' });
    const card = await screen.findByTestId('preset-analytics-3');
    expect(within(card).getByText('75%')).toBeInTheDocument();
    expect(within(card).getByText('v2: 14 exp.')).toBeInTheDocument();
    const contexts = within(card).getByRole('table', { name: 'Contexts' });
    expect(within(contexts).getByText('sglang · Llama-3-8B · H100')).toBeInTheDocument();
    expect(within(contexts).getByText('2,346')).toBeInTheDocument();
    expect(within(contexts).getAllByText('Maximize throughput')).toHaveLength(2);
    expect(within(card).getByRole('img', { name: 'Score per context' })).toBeInTheDocument();
    expect(within(card).getByRole('img', { name: 'Score over versions' })).toBeInTheDocument();
  });

  it('tells what to do for a preset no task has run', async () => {
    serve();
    renderWithProviders(<AnalyticsPage />, { route: '/analytics?preset=5' });
    const card = await screen.findByTestId('preset-analytics-5');
    expect(within(card).getByText(/No task has run “low-latency” yet/)).toBeInTheDocument();
    expect(within(card).getByRole('link', { name: 'New Task page' })).toBeInTheDocument();
  });

  it("asks for one task's importance and shows the flags and a flag's score per value", async () => {
    const { importanceAsked } = serve();
    renderWithProviders(<AnalyticsPage />, { route: '/analytics?tab=parameters' });
    await userEvent.click(await screen.findByRole('combobox', { name: 'Task' }));
    await userEvent.click(await screen.findByRole('option', { name: '#7 sweep' }));
    expect(await screen.findByText(/12 experiments in 1 task; method: fANOVA/)).toBeInTheDocument();
    expect(importanceAsked).toContain('?task_id=7');
    expect(screen.getByRole('img', { name: 'Parameter importance' })).toBeInTheDocument();
    // The most important flag's values are shown first.
    expect(screen.getByRole('img', { name: 'Score per value of max-running-requests' })).toBeInTheDocument();
  });

  it("shows the server's sentence when importance cannot be estimated", async () => {
    serve({ 'GET /api/analytics/importance': () => jsonResponse({ detail: 'Task 7 has 2 finished experiments; importance needs at least 4.' }, 422) });
    renderWithProviders(<AnalyticsPage />, { route: '/analytics?tab=parameters' });
    await userEvent.click(await screen.findByRole('combobox', { name: 'Task' }));
    await userEvent.click(await screen.findByRole('option', { name: '#7 sweep' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('importance needs at least 4');
  });

  it('compares two presets: their records and their tasks together', async () => {
    serve();
    renderWithProviders(<AnalyticsPage />, { route: '/analytics?tab=compare' });
    expect(await screen.findByText(/Choose at least two presets/)).toBeInTheDocument();
    const picker = screen.getByRole('combobox', { name: 'Presets to compare' });
    await userEvent.click(picker);
    await userEvent.click(await screen.findByRole('option', { name: 'high-throughput' }));
    await userEvent.click(await screen.findByRole('option', { name: 'low-latency' }));
    const table = await screen.findByRole('table', { name: 'Presets compared' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(screen.getByRole('img', { name: 'Best score per context, preset by preset' })).toBeInTheDocument();
    const h2h = screen.getByRole('table', { name: 'Head to head' });
    expect(within(h2h).getByText('50%')).toBeInTheDocument();
  });
});
