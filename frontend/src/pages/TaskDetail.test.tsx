import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RUN, task } from '../test/experimentFixtures';
import { jsonResponse, renderWithProviders } from '../test/render';
import { TaskDetailPage } from './TaskDetail';

afterEach(() => vi.restoreAllMocks());

const LOG = 'toy engine: serving toy-model\n# autotuner: experiment succeeded, score 100';

function serve(routes: Record<string, () => Response>) {
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const url = String(input);
    const answer = routes[url];
    if (!answer) return jsonResponse({ detail: `No route for ${url} in the test.` }, 404);
    return answer();
  });
}

function renderPage() {
  return renderWithProviders(
    <Routes>
      <Route path="/tasks/:taskId" element={<TaskDetailPage />} />
    </Routes>,
    { route: '/tasks/7' },
  );
}

describe('TaskDetailPage run view', () => {
  it('lists the experiments, marks the best, compares it with the baseline and shows errors', async () => {
    serve({
      '/api/tasks/7': () =>
        jsonResponse(task('completed', { experiments_total: 4, experiments_done: 4, best_experiment_id: 3, stop_reason: 'exhausted the grid' })),
      '/api/tasks/7/experiments': () => jsonResponse(RUN),
    });
    renderPage();
    const rows = await screen.findAllByTestId('experiment-row');
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.getAttribute('data-best') === 'true').map((r) => r.getAttribute('data-sequence'))).toEqual(['3']);
    expect(within(rows[2]).getByTestId('best-badge')).toHaveTextContent('Best');
    expect(within(rows[3]).getByTestId('experiment-error')).toHaveTextContent(/out of memory/);
    expect(within(rows[3]).queryByRole('button', { name: /Save experiment/ })).toBeNull();
    expect(within(rows[1]).getByRole('button', { name: 'Save experiment #2 as preset' })).toBeInTheDocument();

    expect(screen.getByTestId('task-progress')).toHaveTextContent('4 of 4');
    expect(screen.getByTestId('run-status-line')).toHaveTextContent('Completed: exhausted the grid.');
    const throughput = screen.getAllByTestId('comparison-row').find((r) => r.getAttribute('data-metric') === 'throughput')!;
    expect(throughput).toHaveTextContent('+200.0 %');
    // Every planned experiment ran: a fresh run is offered, not a continuation.
    expect(screen.queryByRole('button', { name: 'Continue search' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Run again' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });

  it('marks as best only the experiment the server names, never one of its own choosing', async () => {
    serve({
      '/api/tasks/7': () => jsonResponse(task('running', { experiments_total: 4, experiments_done: 3, best_experiment_id: 2 })),
      '/api/tasks/7/experiments': () => jsonResponse(RUN),
    });
    renderPage();
    const rows = await screen.findAllByTestId('experiment-row');
    // #3 has the highest score, but the server names #2.
    expect(rows.filter((r) => r.getAttribute('data-best') === 'true').map((r) => r.getAttribute('data-sequence'))).toEqual(['2']);
    expect(screen.getByTestId('best-score')).toHaveTextContent('120');
  });

  it('opens an experiment log in a drawer, and Save best prefills the name', async () => {
    serve({
      '/api/tasks/7': () => jsonResponse(task('completed', { experiments_total: 4, experiments_done: 4, best_experiment_id: 3 })),
      '/api/tasks/7/experiments': () => jsonResponse(RUN),
      '/api/experiments/1/logs': () => new Response(LOG, { status: 200, headers: { 'Content-Type': 'text/plain' } }),
    });
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Log of experiment #1' }));
    const drawer = await screen.findByRole('dialog');
    expect(drawer).toHaveTextContent('Experiment #1 engine log');
    await waitFor(() => expect(within(drawer).getByTestId('log-text')).toHaveTextContent('toy engine: serving toy-model'));
    expect(within(drawer).getByText('python toy_engine.py --port 4000')).toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await userEvent.click(screen.getByTestId('save-best'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('textbox', { name: /Name/ })).toHaveValue('toy-run best');
  });

  it('a pending task shows Start and an empty experiments state', async () => {
    serve({
      '/api/tasks/7': () => jsonResponse(task('pending')),
      '/api/tasks/7/experiments': () => jsonResponse([]),
    });
    renderPage();
    expect(await screen.findByText('No experiments yet')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Start' })).toBeEnabled();
    expect(screen.getByTestId('run-status-line')).toHaveTextContent('Not started. Start runs up to 4 experiments');
    expect(screen.queryByTestId('score-chart')).toBeNull();
  });

  it('a docker task shows its deployment and image', async () => {
    serve({
      '/api/tasks/7': () =>
        jsonResponse(task('pending', { deployment_mode: 'docker', docker: { image: 'lmsysorg/sglang:v0.5.4', host_network: true, env: [] } })),
      '/api/tasks/7/experiments': () => jsonResponse([]),
    });
    renderPage();
    expect(await screen.findByText('lmsysorg/sglang:v0.5.4 · host network')).toBeInTheDocument();
    expect(screen.getByText(/Command · docker/)).toBeInTheDocument();
  });
});

describe('TaskDetailPage engine catalog version', () => {
  it('names the engine version whose catalog checked the flags, and nothing for a command task', async () => {
    serve({
      '/api/tasks/7': () => jsonResponse(task('pending', { base_runtime: 'sglang', runtime_version: '0.5.22' })),
      '/api/tasks/7/experiments': () => jsonResponse([]),
    });
    renderPage();
    expect(await screen.findByTestId('runtime-version')).toHaveTextContent('Flags checked against SGLang 0.5.22');
  });

  it('shows no catalog version for a task without one', async () => {
    serve({
      '/api/tasks/7': () => jsonResponse(task('pending')),
      '/api/tasks/7/experiments': () => jsonResponse([]),
    });
    renderPage();
    expect(await screen.findByTestId('run-status-line')).toBeInTheDocument();
    expect(screen.queryByTestId('runtime-version')).toBeNull();
  });
});
