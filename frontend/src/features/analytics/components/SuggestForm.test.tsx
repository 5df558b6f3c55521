import { notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, mockApi, renderWithProviders } from '../../../test/render';
import { MODELS, SUGGESTION } from '../../../test/analyticsFixtures';
import { SUGGEST_DEFAULTS, SuggestForm, suggestBody } from './SuggestForm';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

function serve(answer: (body: unknown) => Response = () => jsonResponse(SUGGESTION)) {
  const asked: unknown[] = [];
  const saved: unknown[] = [];
  mockApi({
    'GET /api/presets/suggest/models': () => jsonResponse(MODELS),
    'POST /api/presets/suggest': ({ body }) => {
      asked.push(body);
      return answer(body);
    },
    'POST /api/presets/': ({ body }) => {
      saved.push(body);
      return jsonResponse({ id: 9, name: (body as { name: string }).name, version: 1 }, 201);
    },
  });
  return { asked, saved };
}

async function pickModel(id: string) {
  await userEvent.click(screen.getByRole('combobox', { name: 'Model' }));
  await userEvent.click(await screen.findByRole('option', { name: new RegExp(id) }));
}

describe('suggestBody', () => {
  it('asks for what is missing in one sentence', () => {
    expect(suggestBody(SUGGEST_DEFAULTS)).toEqual({ problem: expect.stringMatching(/^Choose a model/) });
    expect(suggestBody({ ...SUGGEST_DEFAULTS, modelSource: 'config' })).toEqual({ problem: expect.stringMatching(/config\.json/) });
    const given = { ...SUGGEST_DEFAULTS, modelId: 'm', hardware: 'given' as const };
    expect(suggestBody({ ...given, gpuMemoryGb: '' })).toEqual({ problem: expect.stringMatching(/memory of one GPU/) });
    expect(suggestBody({ ...given, gpuCount: 1.5 })).toEqual({ problem: expect.stringMatching(/number of GPUs/) });
  });

  it('sends detect as null hardware, and the given hardware as numbers', () => {
    expect(suggestBody({ ...SUGGEST_DEFAULTS, modelId: 'm' })).toEqual({
      body: { runtime: 'sglang', model: { id: 'm', config_path: null }, dtype: null, hardware: null, objective: 'maximize_throughput', scenario: 'D(1000,200)' },
    });
    const result = suggestBody({ ...SUGGEST_DEFAULTS, modelSource: 'config', configPath: ' /m/config.json ', hardware: 'given', gpuModel: 'H100', gpuMemoryGb: 80, gpuCount: 8 });
    expect(result).toMatchObject({ body: { model: { id: null, config_path: '/m/config.json' }, hardware: { gpu_model: 'H100', gpu_memory_gb: 80, gpu_count: 8 } } });
  });
});

describe('SuggestForm', () => {
  it('shows the figures, a labelled reason under each value, the ranked presets, and saves it as a preset', async () => {
    const { asked, saved } = serve();
    renderWithProviders(<SuggestForm />);
    await pickModel('Meta-Llama-3-8B');
    await userEvent.click(screen.getByRole('button', { name: 'Suggest' }));
    const view = await screen.findByTestId('suggestion');
    expect(asked[0]).toMatchObject({ runtime: 'sglang', model: { id: 'meta-llama/Meta-Llama-3-8B', config_path: null }, hardware: null });
    expect(within(view).getByText('16.1 GB')).toBeInTheDocument();
    expect(within(view).getByText('128.0 KiB')).toBeInTheDocument();
    expect(within(view).getByText('411,000')).toBeInTheDocument();
    expect(within(view).getByText('history · 42 experiments')).toBeInTheDocument();
    expect(within(view).getAllByText('memory model')).toHaveLength(2);
    expect(within(view).getByText(/Won in 3 of 4 tasks/)).toBeInTheDocument();
    expect(within(view).getByText(/matched on memory alone/)).toBeInTheDocument();
    expect(within(screen.getByRole('table', { name: 'Ranked presets' })).getByText('82%')).toBeInTheDocument();
    // Without a task to fill, there is no "Use in task".
    expect(within(view).queryByRole('button', { name: 'Use in task' })).toBeNull();

    await userEvent.click(within(view).getByRole('button', { name: 'Save as preset' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save preset' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toMatchObject({ name: 'suggested Meta-Llama-3-8B sglang', runtime: 'sglang', parameters: SUGGESTION.parameters });
    expect(await screen.findByText('Preset saved')).toBeInTheDocument();
  });

  it("shows the server's sentence when the model fits nowhere", async () => {
    serve(() => jsonResponse({ detail: 'Llama-3-70B needs 141 GB of weights; 1 GPU of 24 GB cannot hold it at any tp-size: give more GPUs.' }, 422));
    renderWithProviders(<SuggestForm />);
    await pickModel('Meta-Llama-3-70B');
    await userEvent.click(screen.getByRole('button', { name: 'Suggest' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('cannot hold it at any tp-size');
    expect(screen.queryByTestId('suggestion')).toBeNull();
  });

  it('asks for a model before asking the server, and hands the space to "Use in task"', async () => {
    const { asked } = serve();
    const onUse = vi.fn();
    renderWithProviders(<SuggestForm onUse={onUse} initial={{ runtime: 'vllm' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Suggest' }));
    expect(await screen.findByText(/Choose a model from the list/)).toBeInTheDocument();
    expect(asked).toHaveLength(0);
    await pickModel('Meta-Llama-3-8B');
    await userEvent.click(screen.getByRole('button', { name: 'Suggest' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Use in task' }));
    expect(onUse).toHaveBeenCalledWith(SUGGESTION.parameters, 'vllm');
  });
});
