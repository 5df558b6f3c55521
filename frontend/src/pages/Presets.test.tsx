import { notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Preset } from '../features/presets';
import { jsonResponse, mockApi, renderWithProviders } from '../test/render';
import { makePreset } from '../test/presetFixtures';
import { PresetsPage } from './Presets';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

const LONG = 'Long-context throughput sweep for Llama 3.1 70B Instruct on eight H100 GPUs';

function preset(id: number, name: string, category: string | null, is_system = false): Preset {
  return makePreset(id, name, { category, is_system, parameters: { 'tp-size': [1, 2] } });
}

const PRESETS = [preset(1, 'High Throughput', 'performance', true), preset(2, LONG, 'memory')];

function serve(importAnswer: (onConflict: string | null) => Response) {
  const imports: (string | null)[] = [];
  mockApi({
    'GET /api/presets/': () => jsonResponse(PRESETS),
    'GET /api/runtimes/sglang/parameters': () => jsonResponse([]),
    'GET /api/runtimes/vllm/parameters': () => jsonResponse([]),
    'POST /api/presets/import': ({ url }) => {
      imports.push(url.searchParams.get('on_conflict'));
      return importAnswer(url.searchParams.get('on_conflict'));
    },
  });
  renderWithProviders(<PresetsPage />, { route: '/presets' });
  return imports;
}

const file = () => new File([JSON.stringify({ version: '1.0', preset: { name: LONG, parameters: { 'tp-size': [4] } } })], 'long.json', { type: 'application/json' });
const fileInput = () => document.querySelector('input[type="file"]') as HTMLInputElement;

describe('PresetsPage', () => {
  it('names categories the same way in the filter and in the table', async () => {
    serve(() => jsonResponse({}));
    const table = await screen.findByRole('table', { name: 'Presets' });
    expect(within(table).getAllByText('Performance').length).toBeGreaterThan(0);
    expect(within(table).getAllByText('Memory').length).toBeGreaterThan(0);
    expect(within(table).queryByText('performance')).toBeNull();
    await userEvent.click(screen.getByRole('combobox', { name: 'Filter by category' }));
    // The Select loads on its first opening (components/lazyFloating.tsx).
    expect(await screen.findByRole('option', { name: 'Performance' })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'Memory' })).toBeInTheDocument();
  });

  it('keeps every action of a long-named preset in its row', async () => {
    serve(() => jsonResponse({}));
    const row = (await screen.findAllByTestId('preset-row')).find((r) => r.getAttribute('data-preset-name') === LONG)!;
    for (const name of [`Edit ${LONG}`, `Duplicate ${LONG}`, `Delete ${LONG}`]) expect(within(row).getByRole('button', { name })).toBeInTheDocument();
    expect(within(row).getByRole('link', { name: `Export ${LONG}` })).toHaveAttribute('href', '/api/presets/2/export');
  });

  it('offers the three choices in words when an imported name is taken, and clears the refusal on success', async () => {
    const imports = serve((onConflict) =>
      onConflict === 'error'
        ? jsonResponse({ detail: `A preset named '${LONG}' already exists: import with on_conflict=rename, skip or overwrite, or rename it in the file.` }, 409)
        : jsonResponse({ imported: [preset(3, `${LONG} (2)`, 'memory')], skipped: [], renamed: { [LONG]: `${LONG} (2)` } }),
    );
    await screen.findAllByTestId('preset-row');
    await userEvent.upload(fileInput(), file());
    const alert = await screen.findByTestId('import-error');
    expect(alert).not.toHaveTextContent('on_conflict');
    for (const choice of ['Keep both', 'Replace the existing one', 'Skip it']) expect(within(alert).getByRole('button', { name: choice })).toBeInTheDocument();
    // Shown once: the page's alert, no toast beside it.
    expect(screen.getAllByRole('alert')).toHaveLength(1);

    await userEvent.click(within(alert).getByRole('button', { name: 'Keep both' }));
    await waitFor(() => expect(screen.queryByTestId('import-error')).toBeNull());
    expect(imports).toEqual(['error', 'rename']);
    expect(await screen.findByText(/a copy of “Long-context/)).toBeInTheDocument();
  });

  it('maps "Replace the existing one" and "Skip it" to overwrite and skip', async () => {
    const imports = serve((onConflict) =>
      onConflict === 'error'
        ? jsonResponse({ detail: 'A preset named it already exists.' }, 409)
        : jsonResponse({ imported: [], skipped: [LONG], renamed: {} }),
    );
    await screen.findAllByTestId('preset-row');
    await userEvent.upload(fileInput(), file());
    await userEvent.click(await screen.findByRole('button', { name: 'Replace the existing one' }));
    await waitFor(() => expect(imports).toEqual(['error', 'overwrite']));
    await userEvent.upload(fileInput(), file());
    await userEvent.click(await screen.findByRole('button', { name: 'Skip it' }));
    await waitFor(() => expect(imports).toEqual(['error', 'overwrite', 'error', 'skip']));
  });

  it("shows another refusal's sentence as the server wrote it", async () => {
    const sentence = "Import validation failed: parameter 'tp-size' must be an array of values like [1, 2], not 1.";
    serve(() => jsonResponse({ detail: sentence }, 422));
    await screen.findAllByTestId('preset-row');
    await userEvent.upload(fileInput(), file());
    const alert = await screen.findByTestId('import-error');
    expect(alert).toHaveTextContent(sentence);
    expect(within(alert).queryByRole('button', { name: 'Keep both' })).toBeNull();
  });

  it('the create dialog checks a parameter row when it is left or on submit, not while its name is typed', async () => {
    serve(() => jsonResponse({}));
    await screen.findAllByTestId('preset-row');
    await userEvent.click(screen.getByRole('button', { name: 'Create preset' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'Mine');
    await userEvent.type(within(dialog).getByRole('combobox', { name: 'Parameter 1 name' }), 'tp-s');
    expect(within(dialog).queryByText(/Add at least one value/)).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create preset' }));
    expect(within(dialog).getAllByText("Add at least one value for 'tp-s'.").length).toBeGreaterThan(0);
  });
});
