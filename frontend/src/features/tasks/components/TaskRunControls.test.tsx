import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TaskStatus } from '../../../api/enums';
import { jsonResponse, renderWithProviders } from '../../../test/render';
import { task } from '../../../test/experimentFixtures';
import { runActions, TaskRunControls } from './TaskRunControls';

afterEach(() => vi.restoreAllMocks());

describe('runActions', () => {
  it.each<[TaskStatus, number, number | null, string | null, boolean, boolean]>([
    // status, done, total -> start label (null: no start), run again, cancel
    ['pending', 0, null, 'Start', false, false],
    ['running', 1, 4, null, false, true],
    ['completed', 2, 4, 'Continue search', true, false],
    ['completed', 4, 4, null, true, false],
    ['failed', 4, 4, null, true, false],
    ['failed', 1, 4, 'Continue search', true, false],
    ['failed', 0, null, 'Continue search', true, false],
    ['cancelled', 2, 4, 'Continue search', true, false],
  ])('%s with %i of %s done: start %s, run again %s, cancel %s', (status, done, total, label, runAgain, canCancel) => {
    const a = runActions({ status, cancel_requested: false, experiments_done: done, experiments_total: total });
    expect(a.canStart ? a.startLabel : null).toBe(label);
    expect(a.canRunAgain).toBe(runAgain);
    expect(a.canCancel).toBe(canCancel);
    expect(a.exhausted).toBe(total !== null && done >= total && status !== 'running' && status !== 'pending');
  });
});

describe('TaskRunControls', () => {
  it('a pending task offers Start and no Cancel; Start posts at once', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(task('running')));
    renderWithProviders(<TaskRunControls task={task('pending')} />);
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/tasks/7/start');
    expect(init?.method).toBe('POST');
  });

  it('a running task offers Cancel only, after a confirmation', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(task('running', { cancel_requested: true })));
    renderWithProviders(<TaskRunControls task={task('running')} />);
    expect(screen.queryByRole('button', { name: /Start|Continue/ })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Cancel “toy-run”?');
    expect(fetchMock).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel task' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledWith('/api/tasks/7/cancel', expect.objectContaining({ method: 'POST' })));
  });

  it('a task already cancelling has its Cancel button disabled', () => {
    renderWithProviders(<TaskRunControls task={task('running', { cancel_requested: true })} />);
    expect(screen.getByRole('button', { name: 'Cancelling…' })).toBeDisabled();
  });

  it('continuing a completed task asks first; "Not now" sends nothing', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    renderWithProviders(<TaskRunControls task={task('completed', { experiments_done: 2, experiments_total: 4 })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Continue search' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('completed after 2 experiments');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Not now' }));
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('a refused start shows the server sentence', async () => {
    const sentence = 'The grid has 48 combinations, more than max_iterations (12): raise max_iterations or use random sampling.';
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ detail: sentence }, 422));
    renderWithProviders(<TaskRunControls task={task('failed')} />);
    await userEvent.click(screen.getByRole('button', { name: 'Continue search' }));
    expect(await screen.findByTestId('run-error')).toHaveTextContent(sentence);
  });

  it('a task that tried every combination offers Run again, not Continue, and says why', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(task('running')));
    renderWithProviders(<TaskRunControls task={task('failed', { experiments_done: 4, experiments_total: 4 })} />);
    expect(screen.queryByRole('button', { name: /Continue/ })).toBeNull();
    expect(screen.getByTestId('cannot-continue')).toHaveTextContent('Every planned experiment has run (4 of 4)');
    await userEvent.click(screen.getByRole('button', { name: 'Run again' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('deletes this task');
    expect(fetchMock).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Run again' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledWith('/api/tasks/7/restart', expect.objectContaining({ method: 'POST' })));
  });

  it("a 409 from Continue shows the server's sentence once, beside the buttons", async () => {
    const sentence = 'Every planned experiment of task 7 has already run: use Run again for a fresh run.';
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ detail: sentence }, 409));
    renderWithProviders(<TaskRunControls task={task('cancelled', { experiments_done: 3, experiments_total: 4 })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Continue search' }));
    expect(await screen.findByTestId('run-error')).toHaveTextContent(sentence);
    expect(screen.getAllByText(sentence)).toHaveLength(1);
  });
});
