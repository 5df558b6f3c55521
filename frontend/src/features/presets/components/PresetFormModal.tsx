import {
  Alert,
  Autocomplete,
  Button,
  Divider,
  Group,
  Modal,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useMemo } from 'react';
import { errorMessage } from '../../../api/client';
import { optionsOf, PRESET_RUNTIMES, type PresetRuntime } from '../../../api/enums';
import { ApiErrorAlert, parameterErrors, topFieldErrors } from '../../../components/ApiErrorAlert';
import { ParameterEditor } from '../../../components/ParameterEditor';
import { preventEnterSubmit } from '../../../lib/forms';
import { rowsToSpace } from '../../../lib/parameterSpace';
import { useRuntimeParameters } from '../../runtimes';
import { BASE_CATEGORIES, categoryLabel } from '../categories';
import { usePresetForm, type PresetFormMode } from '../hooks/usePresetForm';
import { effectiveValues } from '../lib/effective';
import type { Preset } from '../types/preset';
import { EffectiveParameters } from './EffectiveParameters';

interface Props {
  mode: PresetFormMode | null;
  onClose: () => void;
  /** Categories already in use, offered next to the base ones. */
  categories: string[];
  /** Names already taken (a duplicate gets a free "(copy)" name). */
  names: string[];
  /** Every preset the user sees: the bases it may extend. */
  presets: Preset[];
}

/** Create, edit or duplicate a preset. Server errors appear beside the field they concern. */
export function PresetFormModal({ mode, onClose, categories, names, presets }: Props) {
  const title =
    mode?.kind === 'edit' ? `Edit “${mode.preset.name}”` : mode?.kind === 'duplicate' ? `Duplicate “${mode.preset.name}”` : 'New preset';
  const key = mode ? `${mode.kind}-${mode.kind === 'create' ? '' : mode.preset.id}` : 'closed';
  return (
    <Modal opened={!!mode} onClose={onClose} title={<Text fw={650} size="lg" className="wrap-anywhere">{title}</Text>} size={820} centered>
      {mode && <PresetForm key={key} mode={mode} onClose={onClose} categories={categories} names={names} presets={presets} />}
    </Modal>
  );
}

function PresetForm({ mode, onClose, categories, names, presets }: Props & { mode: PresetFormMode }) {
  const { form, set, submit, submitted, localError, serverError, pending, stale, reload, reloading, reloadError, loadedVersion } =
    usePresetForm(mode, names, onClose);
  const selfId = mode.kind === 'edit' ? mode.preset.id : null;
  const byId = useMemo(() => new Map(presets.map((p) => [p.id, p])), [presets]);
  const baseChoices = useMemo(
    () =>
      presets
        .filter((p) => p.id !== selfId)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((p) => ({ value: String(p.id), label: p.name })),
    [presets, selfId],
  );
  const bases = form.extends.map((id) => byId.get(id)).filter((p): p is Preset => !!p);
  const self = mode.kind === 'edit' ? { id: mode.preset.id, name: mode.preset.name, slug: mode.preset.slug } : null;
  const effective = effectiveValues(bases, rowsToSpace(form.rows), self);
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
        <MultiSelect
          label="Extends"
          description="Presets this one builds on, merged in the order picked; its own parameters go on top."
          placeholder={form.extends.length ? 'Add another base' : 'No base preset'}
          data={baseChoices}
          value={form.extends.map(String)}
          onChange={(ids) => set({ extends: ids.map(Number) })}
          searchable
          clearable
          hidePickedOptions
          nothingFoundMessage="No preset matches"
          error={fieldErrors.extends}
          data-testid="extends-picker"
        />
        <Divider label={form.extends.length ? 'Its own parameters' : 'Parameters'} labelPosition="left" />
        <ParameterEditor
          rows={form.rows}
          onChange={(rows) => set({ rows })}
          suggestions={suggestions}
          errors={paramErrors}
          showAllProblems={submitted}
        />
        {form.extends.length > 0 && <EffectiveParameters values={effective} selfName={form.name.trim() || 'this preset'} selfId={selfId} />}
        {mode.kind === 'edit' && (
          <TextInput
            label="Change note"
            description={`Kept with the new version (this form was loaded at version ${loadedVersion ?? '?'}).`}
            placeholder="Why this change (optional)"
            value={form.changeNote}
            onChange={(e) => set({ changeNote: e.currentTarget.value })}
            error={fieldErrors.change_note}
          />
        )}
        {localError && (
          <Alert color="orange" variant="light" role="alert">
            {localError}
          </Alert>
        )}
        {stale && !localError ? (
          <Alert color="orange" variant="light" role="alert" title="This preset changed since you opened it" data-testid="stale-preset">
            <Stack gap="xs">
              <Text size="sm">{errorMessage(serverError)}</Text>
              <Group gap="xs">
                <Button size="xs" variant="light" color="orange" leftSection={<IconRefresh size={14} />} onClick={reload} loading={reloading}>
                  Reload
                </Button>
                <Text size="xs" c="dimmed">
                  Reload loads the preset as it is now into this form; your unsaved edits here are replaced.
                </Text>
              </Group>
              {reloadError ? <Text size="sm" c="red">{errorMessage(reloadError)}</Text> : null}
            </Stack>
          </Alert>
        ) : (
          serverError && !localError && <ApiErrorAlert error={serverError} title="The preset was not saved" />
        )}
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
