import { notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, renderWithProviders } from '../../../test/render';
import { RUN, task } from '../../../test/experimentFixtures';
import { SaveAsPresetModal } from './SaveAsPresetModal';

afterEach(() => {
  vi.restoreAllMocks();
  notifications.clean();
});

const saved = {
  id: 11,
  name: 'toy-run best',
  slug: 'toy-run-best',
  description: null,
  category: 'performance',
  runtime: null,
  is_system: false,
  parameters: { 'tp-size': [2], 'mem-fraction-static': [0.9] },
  metadata: null,
  created_at: '2026-11-28T10:00:00Z',
  updated_at: '2026-11-28T10:00:00Z',
};

describe('SaveAsPresetModal', () => {
  it('prefills "<task> best" and posts the name, description and category', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse(saved, 201));
    const onClose = vi.fn();
    renderWithProviders(<SaveAsPresetModal task={task('completed')} experiment={RUN[2]} isBest onClose={onClose} />);
    const name = await screen.findByRole('textbox', { name: /Name/ });
    expect(name).toHaveValue('toy-run best');
    expect(screen.getByText('tp-size: 2')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Save preset' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/experiments/3/save-as-preset');
    const body = JSON.parse(String(init?.body));
    expect(body).toMatchObject({ name: 'toy-run best', category: 'performance' });
    expect(body.description).toMatch(/best configuration found by tuning task “toy-run”/i);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(await screen.findByText('Preset saved')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open Presets' })).toHaveAttribute('href', '/presets');
  });

  it('names a non-best experiment by its number', async () => {
    renderWithProviders(<SaveAsPresetModal task={task('completed')} experiment={RUN[1]} isBest={false} onClose={() => {}} />);
    expect(await screen.findByRole('textbox', { name: /Name/ })).toHaveValue('toy-run #2');
  });

  it('shows the server sentence when the name is taken', async () => {
    const sentence = "A preset named 'toy-run best' already exists: choose another name or edit that preset.";
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ detail: sentence }, 409));
    const onClose = vi.fn();
    renderWithProviders(<SaveAsPresetModal task={task('completed')} experiment={RUN[2]} isBest onClose={onClose} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Save preset' }));
    expect(await within(screen.getByRole('dialog')).findByRole('alert')).toHaveTextContent(sentence);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('will not save without a name', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    renderWithProviders(<SaveAsPresetModal task={task('completed')} experiment={RUN[2]} isBest onClose={() => {}} />);
    await userEvent.clear(await screen.findByRole('textbox', { name: /Name/ }));
    expect(screen.getByRole('button', { name: 'Save preset' })).toBeDisabled();
    expect(screen.getByText('Give the preset a name.')).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
