/** The state and the submit rule of the create / edit / duplicate preset dialog. */
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { ApiError } from '../../../api/client';
import type { PresetRuntime } from '../../../api/enums';
import { newRowId, rowProblems, rowsToSpace, spaceToRows, type ParameterRow } from '../../../lib/parameterSpace';
import { presetService, useCreatePreset, useUpdatePreset } from '../api/presetService';
import type { Preset, PresetCreate, PresetSaved } from '../types/preset';

export type PresetFormMode = { kind: 'create' } | { kind: 'edit'; preset: Preset } | { kind: 'duplicate'; preset: Preset };

export interface PresetFormState {
  name: string;
  description: string;
  category: string;
  runtime: PresetRuntime | '';
  tags: string[];
  rows: ParameterRow[];
  /** The presets it extends (ids), in merge order. */
  extends: number[];
  /** Why (edit only): kept with the new version. */
  changeNote: string;
}

/** The form's first state: empty, the preset's, or the preset's under a free "(copy)" name. */
export function initialPresetForm(mode: PresetFormMode | null, takenNames: string[]): PresetFormState {
  if (!mode || mode.kind === 'create') {
    return {
      name: '',
      description: '',
      category: 'custom',
      runtime: '',
      tags: [],
      rows: [{ id: newRowId(), name: '', values: [] }],
      extends: [],
      changeNote: '',
    };
  }
  const p = mode.preset;
  let name = p.name;
  if (mode.kind === 'duplicate') {
    const taken = new Set(takenNames.map((n) => n.toLowerCase()));
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
    extends: (p.extends ?? []).map((ref) => ref.id),
    changeNote: '',
  };
}

/** What keeps the form from being sent, in one sentence; null when it can be sent. */
export function presetFormProblem(form: PresetFormState): string | null {
  if (!form.name.trim()) return 'Give the preset a name.';
  const problems = Object.values(rowProblems(form.rows));
  if (problems.length) return `Fix the parameters first: ${problems[0]}`;
  // The service asks for one parameter of its own even when the preset extends others.
  if (Object.keys(rowsToSpace(form.rows)).length === 0) return 'Add at least one parameter with its values.';
  return null;
}

/** The body to send for the form. */
export function presetBody(form: PresetFormState, mode: PresetFormMode): PresetCreate {
  const base = mode.kind === 'create' ? null : mode.preset;
  const metadata = { ...(base?.metadata ?? {}), tags: form.tags };
  // A copy of a system preset is the user's own.
  if (mode.kind === 'duplicate') delete metadata.author;
  return {
    name: form.name.trim(),
    description: form.description.trim() || null,
    category: form.category.trim() || null,
    runtime: form.runtime || null,
    parameters: rowsToSpace(form.rows),
    metadata,
    extends: form.extends,
  };
}

/** True when the server refused a change because the preset changed since it was loaded (412). */
export function isStaleVersion(error: unknown): boolean {
  return error instanceof ApiError && error.status === 412;
}

/**
 * The dialog's state for one opening (the dialog is keyed by its mode, so each opening starts
 * afresh). `submitted` turns on every row's checks once the user tried to send the form.
 */
export function usePresetForm(mode: PresetFormMode | null, takenNames: string[], onDone: () => void) {
  const create = useCreatePreset();
  const update = useUpdatePreset();
  const [form, setForm] = useState<PresetFormState>(() => initialPresetForm(mode, takenNames));
  /** The version the form was loaded at: sent as If-Match, so a stale save is refused, not applied. */
  const [loadedVersion, setLoadedVersion] = useState<number | undefined>(mode?.kind === 'edit' ? mode.preset.version : undefined);
  const [reloading, setReloading] = useState(false);
  const [reloadError, setReloadError] = useState<unknown>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const mutation = mode?.kind === 'edit' ? update : create;

  const set = (patch: Partial<PresetFormState>) => setForm((current) => ({ ...current, ...patch }));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!mode) return;
    setSubmitted(true);
    const problem = presetFormProblem(form);
    setLocalError(problem);
    if (problem) return;
    const body = presetBody(form, mode);
    const onSuccess = (saved: PresetSaved) => {
      notifications.show({
        color: 'teal',
        title: mode.kind === 'edit' ? 'Preset saved' : 'Preset created',
        message: `“${saved.name}” is ready to use.`,
      });
      for (const warning of saved.warnings ?? []) {
        notifications.show({ color: 'yellow', title: 'Check this parameter', message: warning, autoClose: 8000 });
      }
      onDone();
    };
    if (mode.kind === 'edit') {
      const change = { ...body, change_note: form.changeNote.trim() || null };
      update.mutate({ id: mode.preset.id, body: change, version: loadedVersion }, { onSuccess });
    }
    else create.mutate(body, { onSuccess });
  };

  /** After a 412: loads the preset as it is now into the form (the user's edits are replaced). */
  const reload = async () => {
    if (mode?.kind !== 'edit') return;
    setReloading(true);
    setReloadError(null);
    try {
      const fresh = await presetService.get(mode.preset.id);
      setForm(initialPresetForm({ kind: 'edit', preset: fresh as Preset }, takenNames));
      setLoadedVersion(fresh.version);
      update.reset();
      setLocalError(null);
    } catch (err) {
      setReloadError(err);
    } finally {
      setReloading(false);
    }
  };

  return {
    form,
    set,
    submit,
    submitted,
    localError,
    serverError: mutation.error,
    pending: mutation.isPending,
    /** The preset changed since the form loaded it: show the server's sentence and offer reload. */
    stale: isStaleVersion(mutation.error),
    reload,
    reloading,
    reloadError,
    loadedVersion,
  };
}
