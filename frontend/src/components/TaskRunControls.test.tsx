import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, renderWithProviders } from '../test/render';
import { task } from '../test/experimentFixtures';
import type { TaskStatus } from '../types/task';
import { runActions, TaskRunControls } from './TaskRunControls';

afterEach(() => vi.restoreAllMocks());

describe('runActions', () => {
  it.each<[TaskStatus, boolean, string, boolean]>([
    ['pending', true, 'Start', false],
    ['running', false, 'Start', true],
    ['completed', true, 'Continue search', false],
    ['failed', true, 'Continue search', false],
    ['cancelled', true, 'Continue search', false],
  ])('%s: start %s (%s), cancel %s', (status, canStart, label, canCancel) => {
    const a = runActions(status);
    expect(a.canStart).toBe(canStart);
    if (canStart) expect(a.startLabel).toBe(label);
    expect(a.canCancel).toBe(canCancel);
    expect(a.confirmStart).toBe(status === 'completed');
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
    renderWithProviders(<TaskRunControls task={task('completed', { experiments_done: 4 })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Continue search' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('completed after 4 experiments');
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
});
