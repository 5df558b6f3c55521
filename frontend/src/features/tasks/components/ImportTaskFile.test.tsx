import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { task } from '../../../test/experimentFixtures';
import { jsonResponse, mockApi, renderWithProviders } from '../../../test/render';
import type { TaskImported } from '../types/task';
import { ImportTaskFile } from './ImportTaskFile';

afterEach(() => vi.restoreAllMocks());

const REFERENCE_FILE = {
  task_name: 'ref',
  model: { id_or_path: 'm', namespace: 'k8s' },
  benchmark: { num_concurrency: [4], max_time_per_iteration: 2 },
};

function fileInput(container: HTMLElement): HTMLInputElement {
  const input = container.ownerDocument.querySelector('input[type="file"]');
  if (!(input instanceof HTMLInputElement)) throw new Error('no file input');
  return input;
}

describe('ImportTaskFile', () => {
  it('sends the file as it is and shows what became of every field', async () => {
    const sent: unknown[] = [];
    const answer: TaskImported = {
      task: task('pending', { task_name: 'ref', combinations: 1 }),
      format: 'reference',
      report: [
        { field: 'model.namespace', outcome: 'not_supported', detail: "'k8s' is a Kubernetes namespace" },
        { field: 'benchmark.num_concurrency', outcome: 'converted', detail: 'concurrency: [4]' },
        { field: 'benchmark.max_time_per_iteration', outcome: 'converted', detail: 'seconds_per_level: 120' },
      ],
    };
    mockApi({
      'POST /api/tasks/import': ({ body }) => {
        sent.push(body);
        return jsonResponse(answer, 201);
      },
    });
    const { container } = renderWithProviders(<ImportTaskFile />);
    await userEvent.upload(fileInput(container), new File([JSON.stringify(REFERENCE_FILE)], 'ref.json', { type: 'application/json' }));
    const report = await screen.findByTestId('import-report');
    expect(sent).toEqual([REFERENCE_FILE]);
    const lines = within(report).getAllByTestId('import-report-line');
    expect(lines.map((l) => l.getAttribute('data-outcome'))).toEqual(['not_supported', 'converted', 'converted']);
    expect(within(report).getByText('seconds_per_level: 120')).toBeTruthy();
    expect(screen.getByText(/Read as the reference autotuner's format: 3 fields, 1 not supported here/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Open task' })).toBeTruthy();
  });

  it("shows the server's sentence when no task was made", async () => {
    mockApi({
      'POST /api/tasks/import': () =>
        jsonResponse({ detail: "The task file cannot be imported: benchmark.task 'image' is not supported." }, 422),
    });
    const { container } = renderWithProviders(<ImportTaskFile />);
    await userEvent.upload(fileInput(container), new File(['{"task_name": "x"}'], 'bad.json', { type: 'application/json' }));
    const problem = await screen.findByTestId('task-file-error');
    expect(problem.textContent).toContain("benchmark.task 'image' is not supported");
    expect(screen.queryByTestId('import-report')).toBeNull();
  });
});
