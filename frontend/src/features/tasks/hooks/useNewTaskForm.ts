/**
 * The New Task form's state in one hook: the task's fields, the parameter space (own rows or
 * presets merged on the server and fine-tuned), the GPU default from the system, and submit.
 */
import { notifications } from '@mantine/notifications';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { MergeStrategy, Runtime } from '../../../api/enums';
import { parameterErrors, topFieldErrors } from '../../../components/ApiErrorAlert';
import { newRowId, spaceToRows, type ParameterRow, type ParameterSpace } from '../../../lib/parameterSpace';
import { paths } from '../../../routes';
import { usePresetMerge, usePresets, type Resolutions } from '../../presets';
import { useRuntimeParameters } from '../../runtimes';
import { useCreateTask, useSystemInfo } from '../api/taskService';
import { combinationsOf, concurrencyProblem, NEW_TASK_DEFAULTS, newTaskBody, type NewTaskFields, type SpaceChoice } from './newTaskBody';

/** The space a new task starts with, per engine: llama.cpp has no tp-size. */
export function defaultRows(runtime: Runtime): ParameterRow[] {
  if (runtime === 'llamacpp') {
    return [
      { id: newRowId(), name: 'parallel', values: [1, 4] },
      { id: newRowId(), name: 'threads', values: [1] },
    ];
  }
  return [{ id: newRowId(), name: 'tp-size', values: [1] }];
}

/** A change of presets or strategy; it would discard the user's fine-tuning, so it may need a yes first. */
export type SpaceChange =
  | { ids: number[] }
  | { strategy: MergeStrategy }
  | { usePresets: boolean }
  /** One conflict's resolution (null: back to what the strategy proposes). */
  | { resolution: { parameter: string; value: string | unknown[] | null } };

/** The resolutions after one conflict's choice changed. */
export function withResolution(current: Resolutions, parameter: string, value: string | unknown[] | null): Resolutions {
  const next = { ...current };
  if (value === null || (Array.isArray(value) && value.length === 0)) delete next[parameter];
  else next[parameter] = value;
  return next;
}

export function useNewTaskForm() {
  const navigate = useNavigate();
  const createTask = useCreateTask();
  const presets = usePresets();
  const system = useSystemInfo();

  const [fields, setFields] = useState<NewTaskFields>(NEW_TASK_DEFAULTS);
  /** Whether the user set the GPUs field; until then it shows the GPUs the system sees. */
  const [gpusTouched, setGpusTouched] = useState(false);
  const [usePresetsOn, setUsePresetsOn] = useState(false);
  const [picked, setPicked] = useState<number[]>([]);
  const [mergeStrategy, setMergeStrategy] = useState<MergeStrategy>('union');
  /** The user's choice per conflict; the merge preview and the task both carry them. */
  const [resolutions, setResolutions] = useState<Resolutions>({});
  const [ownRows, setOwnRows] = useState<ParameterRow[]>(() => defaultRows(NEW_TASK_DEFAULTS.runtime));
  /** The user changed their own rows: switching the runtime no longer replaces them. */
  const [ownRowsTouched, setOwnRowsTouched] = useState(false);
  /** The user edited the rows since the last merge: a new merge must not replace them silently. */
  const [edited, setEdited] = useState(false);
  const [pendingChange, setPendingChange] = useState<SpaceChange | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState(false);

  const withPresets = usePresetsOn && picked.length > 0;
  const hasResolutions = Object.keys(resolutions).length > 0;
  const merge = usePresetMerge(
    withPresets ? { preset_ids: picked, merge_strategy: mergeStrategy, ...(hasResolutions ? { resolutions } : {}) } : null,
  );
  const merged = merge.data && !merge.isPlaceholderData ? (merge.data.parameters as ParameterSpace) : undefined;
  // Each new merge fills the editor, unless the user has edits of their own.
  const mergedRows = useMemo(() => (merged ? spaceToRows(merged) : null), [merged]);
  const rows = withPresets && !edited && mergedRows ? mergedRows : ownRows;
  const suggestions = useRuntimeParameters(fields.runtime);

  const systemGpus = system.data?.gpus.count ?? 0;
  const gpus: number | '' = gpusTouched ? fields.gpus : systemGpus > 0 ? systemGpus : '';
  const values: NewTaskFields = { ...fields, gpus };
  const space: SpaceChoice = { usePresets: usePresetsOn, presetIds: picked, mergeStrategy, rows, merged, resolutions };

  const applyChange = (change: SpaceChange) => {
    if ('ids' in change) setPicked(change.ids);
    if ('strategy' in change) setMergeStrategy(change.strategy);
    if ('usePresets' in change) {
      setUsePresetsOn(change.usePresets);
      if (!change.usePresets) setPicked([]);
    }
    // Choices made for one set of conflicts do not carry over to another.
    if ('resolution' in change) setResolutions((current) => withResolution(current, change.resolution.parameter, change.resolution.value));
    else setResolutions({});
    setEdited(false);
  };

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const result = newTaskBody(values, space);
    if ('problem' in result) return setLocalError(result.problem);
    setLocalError(null);
    createTask.mutate(result.body, {
      onSuccess: (task) => {
        notifications.show({ color: 'teal', title: 'Task created', message: `“${task.task_name}” is queued.` });
        // The server accepts a space its rules leave empty, and says so: show it before the task runs nothing.
        const empty = (task.warnings ?? []).find((w) => w.startsWith('None of the '));
        if (empty) notifications.show({ color: 'yellow', title: 'No valid combination', message: empty, autoClose: false });
        navigate(paths.task(task.id));
      },
    });
  };

  return {
    fields: values,
    set: (patch: Partial<NewTaskFields>) => {
      // An untouched starting space follows the runtime (llama.cpp's flags are not SGLang's).
      if (patch.runtime && patch.runtime !== fields.runtime && !ownRowsTouched) setOwnRows(defaultRows(patch.runtime));
      setFields((current) => ({ ...current, ...patch }));
    },
    setGpus: (value: number | '') => {
      setGpusTouched(true);
      setFields((current) => ({ ...current, gpus: value }));
    },
    system: {
      gpus: systemGpus,
      source: system.data?.gpus.source ?? null,
      known: system.isSuccess,
      docker: system.data?.docker ?? null,
    },
    concurrencyProblem: concurrencyProblem(fields.concurrency),
    presets: {
      on: usePresetsOn,
      list: presets,
      picked,
      strategy: mergeStrategy,
      merge,
      resolutions,
    },
    rows,
    setRows: (next: ParameterRow[]) => {
      setOwnRows(next);
      setOwnRowsTouched(true);
      setEdited(true);
    },
    edited: edited && withPresets,
    combinations: combinationsOf(space),
    /** Changes the presets or the strategy; asks first when it would discard the user's edits. */
    requestChange: (change: SpaceChange) => {
      if (edited && withPresets) setPendingChange(change);
      else applyChange(change);
    },
    pendingChange,
    confirmChange: () => {
      if (pendingChange) applyChange(pendingChange);
      setPendingChange(null);
    },
    keepEdits: () => setPendingChange(null),
    suggestions,
    submit,
    submitted,
    localError,
    serverError: createTask.error,
    fieldErrors: topFieldErrors(createTask.error),
    parameterErrors: parameterErrors(createTask.error),
    pending: createTask.isPending,
  };
}

export type NewTaskForm = ReturnType<typeof useNewTaskForm>;
