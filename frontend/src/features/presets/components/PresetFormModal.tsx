import { Alert, Autocomplete, Button, Divider, Group, Modal, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Textarea } from '@mantine/core';
import { useMemo } from 'react';
import { optionsOf, PRESET_RUNTIMES, type PresetRuntime } from '../../../api/enums';
import { ApiErrorAlert, parameterErrors, topFieldErrors } from '../../../components/ApiErrorAlert';
import { ParameterEditor } from '../../../components/ParameterEditor';
import { preventEnterSubmit } from '../../../lib/forms';
import { useRuntimeParameters } from '../../runtimes';
import { BASE_CATEGORIES, categoryLabel } from '../categories';
import { usePresetForm, type PresetFormMode } from '../hooks/usePresetForm';

interface Props {
  mode: PresetFormMode | null;
  onClose: () => void;
  /** Categories already in use, offered next to the base ones. */
  categories: string[];
  /** Names already taken (a duplicate gets a free "(copy)" name). */
  names: string[];
}

/** Create, edit or duplicate a preset. Server errors appear beside the field they concern. */
export function PresetFormModal({ mode, onClose, categories, names }: Props) {
  const title =
    mode?.kind === 'edit' ? `Edit “${mode.preset.name}”` : mode?.kind === 'duplicate' ? `Duplicate “${mode.preset.name}”` : 'New preset';
  const key = mode ? `${mode.kind}-${mode.kind === 'create' ? '' : mode.preset.id}` : 'closed';
  return (
    <Modal opened={!!mode} onClose={onClose} title={<Text fw={650} size="lg" className="wrap-anywhere">{title}</Text>} size={820} centered>
      {mode && <PresetForm key={key} mode={mode} onClose={onClose} categories={categories} names={names} />}
    </Modal>
  );
}

function PresetForm({ mode, onClose, categories, names }: Props & { mode: PresetFormMode }) {
  const { form, set, submit, submitted, localError, serverError, pending } = usePresetForm(mode, names, onClose);
  const suggestions = useRuntimeParameters(form.runtime || null);
  const fieldErrors = topFieldErrors(serverError);
  const paramErrors = parameterErrors(serverError);
  const categoryChoices = useMemo(
    () =>
      [...new Set([...BASE_CATEGORIES, ...categories.filter(Boolean)])].map((value) => ({ value, label: categoryLabel(value) })),
    [categories],
  );

  return (
    <form onSubmit={submit} noValidate aria-label="Preset form" onKeyDown={preventEnterSubmit}>
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Name"
            required
            placeholder="My Custom Preset"
            value={form.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={fieldErrors.name}
            data-autofocus
          />
          <Autocomplete
            label="Category"
            placeholder="performance, memory… or a new one"
            data={categoryChoices.map((c) => c.value)}
            renderOption={({ option }) => categoryLabel(option.value)}
            value={form.category}
            onChange={(category) => set({ category })}
            error={fieldErrors.category}
          />
        </SimpleGrid>
        <Textarea
          label="Description"
          placeholder="What this preset is for"
          autosize
          minRows={2}
          value={form.description}
          onChange={(e) => set({ description: e.currentTarget.value })}
          error={fieldErrors.description}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Runtime"
            placeholder="Any runtime"
            data={optionsOf(PRESET_RUNTIMES)}
            clearable
            value={form.runtime || null}
            onChange={(runtime) => set({ runtime: (runtime as PresetRuntime | null) ?? '' })}
            error={fieldErrors.runtime}
          />
          <TagsInput
            label="Tags"
            placeholder="Add a tag, press Enter"
            value={form.tags}
            onChange={(tags) => set({ tags })}
            error={fieldErrors['metadata.tags'] ?? fieldErrors.metadata}
          />
        </SimpleGrid>
        <Divider label="Parameters" labelPosition="left" />
        <ParameterEditor
          rows={form.rows}
          onChange={(rows) => set({ rows })}
          suggestions={suggestions}
          errors={paramErrors}
          showAllProblems={submitted}
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
          <Button type="submit" loading={pending}>
            {mode.kind === 'edit' ? 'Save changes' : 'Create preset'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
