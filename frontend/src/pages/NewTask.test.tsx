import { notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MODELS, SUGGESTION } from '../test/analyticsFixtures';
import { task } from '../test/experimentFixtures';
import { jsonResponse, mockApi, renderWithProviders } from '../test/render';
import { NewTaskPage } from './NewTask';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

const DOCKER_UP = {
  url: 'unix:///var/run/docker.sock',
  reachable: true,
  version: '20.10.24',
  nvidia_runtime: false,
  containers_running: 0,
  error: null,
  default_images: { sglang: 'lmsysorg/sglang:v0.5.4', vllm: 'vllm/vllm-openai:v0.11.0', llamacpp: 'ghcr.io/ggml-org/llama.cpp:server' },
};

function serve(gpus: number, onCreate: (body: unknown) => Response = (body) => jsonResponse({ ...task('pending'), ...(body as object), id: 42 }, 201)) {
  const created: unknown[] = [];
  mockApi({
    'GET /api/presets/': () => jsonResponse([]),
    'GET /api/system/': () => jsonResponse({ version: '0.1.0', gpus: { count: gpus, source: gpus ? 'nvidia-smi' : 'none' }, docker: DOCKER_UP }),
    'GET /api/runtimes/sglang/parameters': () => jsonResponse([]),
    'GET /api/runtimes/vllm/parameters': () => jsonResponse([]),
    'GET /api/presets/suggest/models': () => jsonResponse(MODELS),
    'POST /api/presets/suggest': () => jsonResponse(SUGGESTION),
    'POST /api/tasks/': ({ body }) => {
      created.push(body);
      return onCreate(body);
    },
  });
  renderWithProviders(
    <Routes>
      <Route path="/tasks/new" element={<NewTaskPage />} />
      <Route path="/tasks/:id" element={<p>task page</p>} />
    </Routes>,
    { route: '/tasks/new' },
  );
  return created;
}

const gpusField = () => screen.getByRole('textbox', { name: 'GPUs' });

describe('NewTaskPage', () => {
  it('fills the space and the runtime from "Suggest for my model"', async () => {
    const created = serve(1);
    await userEvent.click(await screen.findByRole('button', { name: 'Suggest for my model' }));
    const drawer = await screen.findByRole('dialog');
    await userEvent.click(within(drawer).getByRole('combobox', { name: 'Runtime' }));
    await userEvent.click(await screen.findByRole('option', { name: 'vLLM' }));
    await userEvent.click(within(drawer).getByRole('combobox', { name: 'Model' }));
    await userEvent.click(await screen.findByRole('option', { name: /Meta-Llama-3-8B/ }));
    await userEvent.click(within(drawer).getByRole('button', { name: 'Suggest' }));
    await userEvent.click(await within(drawer).findByRole('button', { name: 'Use in task' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByTestId('final-combinations')).toHaveTextContent('4 combinations');
    await userEvent.click(screen.getByRole('button', { name: 'Submit task' }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ base_runtime: 'vllm', parameters: SUGGESTION.parameters });
  });

  it('leaves GPUs empty when the system sees none, and says the GPU rules then do not apply', async () => {
    const created = serve(0);
    expect(await screen.findByText(/No GPU was detected/)).toBeInTheDocument();
    expect(gpusField()).toHaveValue('');
    await userEvent.click(screen.getByRole('button', { name: 'Submit task' }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ gpus: null, parameters: { 'tp-size': [1] } });
    expect(await screen.findByText('task page')).toBeInTheDocument();
  });

  it('starts a llama.cpp task with llama.cpp flags and asks for a .gguf path', async () => {
    const created = serve(0);
    await userEvent.click(screen.getByText('llama.cpp'));
    expect(screen.getByText(/Path of a .gguf file on the server/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Submit task' }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ base_runtime: 'llamacpp', parameters: { parallel: [1, 4], threads: [1] } });
    expect((created[0] as { parameters: object }).parameters).not.toHaveProperty('tp-size');
  });

  it('offers Docker with its options, says what the daemon can do, and sends the container options', async () => {
    const created = serve(2);
    expect(screen.queryByTestId('docker-options')).toBeNull();
    await userEvent.click(screen.getByText('Docker'));
    const options = await screen.findByTestId('docker-options');
    expect(within(options).getByTestId('docker-state')).toHaveTextContent(
      'Docker 20.10.24 answers at unix:///var/run/docker.sock; it has no NVIDIA runtime, so containers cannot get GPUs.',
    );
    await waitFor(() => expect(within(options).getByText(/GPUs are set: their experiments will fail/)).toBeInTheDocument());
    expect(within(options).getByRole('textbox', { name: 'Image' })).toHaveAttribute('placeholder', 'lmsysorg/sglang:v0.5.4');
    await userEvent.click(within(options).getByRole('textbox', { name: 'Image' }));
    await userEvent.paste('my-sglang:dev');
    await userEvent.click(within(options).getByRole('textbox', { name: 'Shared memory' }));
    await userEvent.paste('16g');
    await userEvent.click(within(options).getByPlaceholderText('HF_TOKEN'));
    await userEvent.paste('HF_TOKEN');
    await userEvent.keyboard('{Enter}');
    await userEvent.click(within(options).getByRole('checkbox', { name: /Host networking/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Submit task' }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({
      deployment_mode: 'docker',
      docker: { image: 'my-sglang:dev', shm_size: '16g', env: ['HF_TOKEN'], host_network: true },
    });
  }, 60_000);

  it('defaults GPUs to what the system sees, and sends what the user sets', async () => {
    const created = serve(4);
    await waitFor(() => expect(gpusField()).toHaveValue('4'));
    expect(screen.getByText(/4 detected \(nvidia-smi\)/)).toBeInTheDocument();
    await userEvent.clear(gpusField());
    await userEvent.type(gpusField(), '2');
    await userEvent.click(screen.getByRole('button', { name: 'Submit task' }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ gpus: 2 });
  });

  it('checks the parameters before sending, and names the row to fix', async () => {
    const created = serve(0);
    await userEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    await userEvent.type(screen.getByRole('combobox', { name: 'Parameter 2 name' }), 'mem-fraction-static');
    expect(screen.queryByText(/Add at least one value/)).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Submit task' }));
    const form = screen.getByRole('form', { name: 'New task' });
    expect(within(form).getAllByText(/Add at least one value for 'mem-fraction-static'/).length).toBeGreaterThan(0);
    expect(within(form).getByRole('alert')).toHaveTextContent("Fix the parameters first: Add at least one value for 'mem-fraction-static'.");
    expect(created).toHaveLength(0);
  });

  it("shows the server's sentence once when the task is refused", async () => {
    const sentence = "The grid holds 12 combinations, more than max_iterations (6): raise max_iterations or narrow the space.";
    serve(0, () => jsonResponse({ detail: sentence }, 422));
    await userEvent.click(await screen.findByRole('button', { name: 'Submit task' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(sentence);
    expect(screen.getAllByText(sentence)).toHaveLength(1);
  });
});
