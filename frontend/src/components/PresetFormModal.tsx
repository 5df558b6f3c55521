import { Alert, Autocomplete, Button, Divider, Group, Modal, Select, Stack, TagsInput, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useMemo, useState } from 'react';
import { newRowId, rowProblems, rowsToSpace, spaceToRows, type ParameterRow } from '../lib/parameterSpace';
import { useRuntimeParameters } from '../services/runtimeService';
import { useCreatePreset, useUpdatePreset } from '../services/presetService';
import { BASE_CATEGORIES, type Preset, type PresetCreate, type Runtime } from '../types/preset';
import { ApiErrorAlert, parameterErrors, topFieldErrors } from './ApiErrorAlert';
import { ParameterEditor } from './ParameterEditor';

export type PresetFormMode = { kind: 'create' } | { kind: 'edit'; preset: Preset } | { kind: 'duplicate'; preset: Preset };

interface Props {
  mode: PresetFormMode | null;
  onClose: () => void;
  /** Categories already in use, offered next to the base ones. */
  categories: string[];
  /** Names already taken (a duplicate gets a free "(copy)" name). */
  names: string[];
}

interface FormState {
  name: string;
  description: string;
  category: string;
  runtime: Runtime | '';
  tags: string[];
  rows: ParameterRow[];
}

function initialState(mode: PresetFormMode | null, taken: Set<string>): FormState {
  if (!mode || mode.kind === 'create') {
    return { name: '', description: '', category: 'custom', runtime: '', tags: [], rows: [{ id: newRowId(), name: '', values: [] }] };
  }
  const p = mode.preset;
  let name = p.name;
  if (mode.kind === 'duplicate') {
    name = `${p.name} (copy)`;
    for (let i = 2; taken.has(name.toLowerCase()); i += 1) name = `${p.name} (copy ${i})`;
  }
  return {
    name,
    description: p.description ?? '',
    category: p.category ?? '',
    runtime: p.runtime ?? '',
    tags: (p.metadata?.tags ?? []).filter((t): t is string => typeof t === 'string'),
    rows: spaceToRows(p.parameters),
  };
}

/** Create, edit or duplicate a preset. Server errors appear beside the field they concern. */
export function PresetFormModal({ mode, onClose, categories, names }: Props) {
  const create = useCreatePreset();
  const update = useUpdatePreset();
  const [form, setForm] = useState<FormState>(() => initialState(mode, new Set()));
  const [localError, setLocalError] = useState<string | null>(null);
  const suggestions = useRuntimeParameters(form.runtime || null);

  useEffect(() => {
    setForm(initialState(mode, new Set(names.map((n) => n.toLowerCase()))));
    setLocalError(null);
    create.reset();
    update.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode]);

  const mutation = mode?.kind === 'edit' ? update : create;
  const serverError = mutation.error;
  const fieldErrors = topFieldErrors(serverError);
  const paramErrors = parameterErrors(serverError);
  const categoryChoices = useMemo(
    () => [...new Set([...BASE_CATEGORIES, ...categories.filter(Boolean)])],
    [categories],
  );

  const title =
    mode?.kind === 'edit' ? `Edit “${mode.preset.name}”` : mode?.kind === 'duplicate' ? `Duplicate “${mode.preset.name}”` : 'New preset';

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!mode) return;
    const problems = Object.values(rowProblems(form.rows));
    if (!form.name.trim()) return setLocalError('Give the preset a name.');
    if (problems.length) return setLocalError(`Fix the parameters first: ${problems[0]}`);
    if (Object.keys(rowsToSpace(form.rows)).length === 0) {
      return setLocalError('Add at least one parameter with its values.');
    }
    setLocalError(null);
    const base = mode.kind === 'create' ? null : mode.preset;
    const body: PresetCreate = {
      name: form.name.trim(),
      description: form.description.trim() || null,
      category: form.category.trim() || null,
      runtime: form.runtime || null,
      parameters: rowsToSpace(form.rows),
      metadata: { ...(base?.metadata ?? {}), tags: form.tags },
    };
    // A copy of a system preset is the user's own.
    if (mode.kind === 'duplicate' && body.metadata) delete body.metadata.author;
    const onSuccess = (saved: Preset & { warnings?: string[] }) => {
      notifications.show({
        color: 'teal',
        title: mode.kind === 'edit' ? 'Preset saved' : 'Preset created',
        message: `“${saved.name}” is ready to use.`,
      });
      for (const warning of saved.warnings ?? []) {
        notifications.show({ color: 'yellow', title: 'Check this parameter', message: warning, autoClose: 8000 });
      }
      onClose();
    };
    if (mode.kind === 'edit') update.mutate({ id: mode.preset.id, body }, { onSuccess });
    else create.mutate(body, { onSuccess });
  };

  return (
    <Modal opened={!!mode} onClose={onClose} title={<Text fw={650} size="lg">{title}</Text>} size={820} centered>
      <form onSubmit={submit} noValidate aria-label="Preset form" onKeyDown={preventEnterSubmit}>
        <Stack gap="md">
          <Group grow align="flex-start">
            <TextInput
              label="Name"
              required
              placeholder="My Custom Preset"
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
              error={fieldErrors.name}
              data-autofocus
            />
            <Autocomplete
              label="Category"
              placeholder="performance, memory… or a new one"
              data={categoryChoices}
              value={form.category}
              onChange={(category) => setForm({ ...form, category })}
              error={fieldErrors.category}
            />
          </Group>
          <Textarea
            label="Description"
            placeholder="What this preset is for"
            autosize
            minRows={2}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
            error={fieldErrors.description}
          />
          <Group grow align="flex-start">
            <Select
              label="Runtime"
              placeholder="Any runtime"
              data={[
                { value: 'sglang', label: 'SGLang' },
                { value: 'vllm', label: 'vLLM' },
                { value: 'llamacpp', label: 'llama.cpp' },
              ]}
              clearable
              value={form.runtime || null}
              onChange={(runtime) => setForm({ ...form, runtime: (runtime as Runtime | null) ?? '' })}
              error={fieldErrors.runtime}
            />
            <TagsInput
              label="Tags"
              placeholder="Add a tag, press Enter"
              value={form.tags}
              onChange={(tags) => setForm({ ...form, tags })}
              error={fieldErrors['metadata.tags'] ?? fieldErrors.metadata}
            />
          </Group>
          <Divider label="Parameters" labelPosition="left" />
          <ParameterEditor
            rows={form.rows}
            onChange={(rows) => setForm({ ...form, rows })}
            suggestions={suggestions}
            errors={paramErrors}
          />
          {localError && (
            <Alert color="orange" variant="light" role="alert">
              {localError}
            </Alert>
          )}
          {serverError && !localError && <ApiErrorAlert error={serverError} title="The preset was not saved" />}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {mode?.kind === 'edit' ? 'Save changes' : 'Create preset'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Enter in a text field adds a chip or moves on; it never submits the form by itself. */
export function preventEnterSubmit(event: React.KeyboardEvent) {
  const target = event.target as HTMLElement;
  if (event.key === 'Enter' && target.tagName === 'INPUT') event.preventDefault();
}

