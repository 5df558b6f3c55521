/** The task API: tasks, their runs, experiments and logs; query keys and hooks. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiPath, apiRequest, apiText } from '../../../api/client';
import { EXPERIMENT_STATUS, type TaskStatus } from '../../../api/enums';
import type { Sharing, Visibility } from '../../auth';
import { useInvalidatePresets, type Preset } from '../../presets';
import type { ParetoRead } from '../lib/trust';
import type { Experiment, SaveAsPresetBody, SystemInfo, Task, TaskCreate, TaskImported } from '../types/task';
import { FALLBACK_POLL_MS, useBatched, useEventStream, type StreamEventKind, type StreamState } from './taskEvents';

const taskPath = (id: number) => apiPath('/api/tasks/{task_id}', { task_id: id });
const experimentPath = (id: number) => apiPath('/api/experiments/{experiment_id}', { experiment_id: id });

/** The list's filters: a status, and whose tasks (`?mine=true`, `?team=3`, `?visibility=public`). */
export interface TaskFilters {
  status?: TaskStatus;
  mine?: boolean;
  team?: number;
  visibility?: Visibility;
}

export const taskService = {
  list: (filters: TaskFilters = {}, signal?: AbortSignal) => apiRequest<Task[]>(apiPath('/api/tasks/'), { query: { ...filters }, signal }),
  /** Who may see it: private, some teams, or public (its owner or an admin). */
  share: (id: number, sharing: Sharing) =>
    apiRequest<Task>(apiPath('/api/tasks/{task_id}/sharing', { task_id: id }), { method: 'PUT', json: sharing }),
  get: (id: number, signal?: AbortSignal) => apiRequest<Task>(taskPath(id), { signal }),
  /** A task from the form, or from a task file's content as it is (the server checks it). */
  create: (body: TaskCreate | Record<string, unknown>) => apiRequest<Task>(apiPath('/api/tasks/'), { method: 'POST', json: body }),
  /** A task file (the reference autotuner's format or ours), converted and created by the server. */
  importFile: (body: Record<string, unknown>) =>
    apiRequest<TaskImported>(apiPath('/api/tasks/import'), { method: 'POST', json: body }),
  remove: (id: number) => apiRequest<void>(taskPath(id), { method: 'DELETE' }),
  start: (id: number) => apiRequest<Task>(apiPath('/api/tasks/{task_id}/start', { task_id: id }), { method: 'POST' }),
  /** A fresh run: the task's experiments and logs are cleared first. */
  restart: (id: number) => apiRequest<Task>(apiPath('/api/tasks/{task_id}/restart', { task_id: id }), { method: 'POST' }),
  cancel: (id: number) => apiRequest<Task>(apiPath('/api/tasks/{task_id}/cancel', { task_id: id }), { method: 'POST' }),
  experiments: (id: number, signal?: AbortSignal) =>
    apiRequest<Experiment[]>(apiPath('/api/tasks/{task_id}/experiments', { task_id: id }), { signal }),
  /** Every succeeded configuration's objective values, dominated or on the front (409 for one objective). */
  pareto: (id: number, signal?: AbortSignal) => apiRequest<ParetoRead>(apiPath('/api/tasks/{task_id}/pareto', { task_id: id }), { signal }),
  taskLog: (id: number, signal?: AbortSignal) => apiText(apiPath('/api/tasks/{task_id}/logs', { task_id: id }), { signal }),
  experiment: (id: number, signal?: AbortSignal) => apiRequest<Experiment>(experimentPath(id), { signal }),
  experimentLog: (id: number, signal?: AbortSignal) =>
    apiText(apiPath('/api/experiments/{experiment_id}/logs', { experiment_id: id }), { signal }),
  saveAsPreset: (experimentId: number, body: SaveAsPresetBody) =>
    apiRequest<Preset>(apiPath('/api/experiments/{experiment_id}/save-as-preset', { experiment_id: experimentId }), {
      method: 'POST',
      json: body,
    }),
  system: (signal?: AbortSignal) => apiRequest<SystemInfo>(apiPath('/api/system/'), { signal }),
};

export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  list: (filters: TaskFilters = {}) => [...taskKeys.lists(), filters] as const,
  details: () => [...taskKeys.all, 'detail'] as const,
  detail: (id: number) => [...taskKeys.details(), id] as const,
  experiments: (id: number) => [...taskKeys.detail(id), 'experiments'] as const,
  log: (id: number) => [...taskKeys.detail(id), 'log'] as const,
  pareto: (id: number, progress: string) => [...taskKeys.detail(id), 'pareto', progress] as const,
  experimentLog: (experimentId: number) => [...taskKeys.all, 'experiment-log', experimentId] as const,
  system: () => ['system'] as const,
};

const isRunning = (task: Task | undefined) => task?.status === 'running';
const isFinished = (task: Task | undefined) => task !== undefined && task.status !== 'running' && task.status !== 'pending';

/** The live streams' URLs (server-sent events; see ./taskEvents). */
export const streamUrls = {
  task: (id: number) => apiPath('/api/tasks/{task_id}/events', { task_id: id }),
  tasks: () => apiPath('/api/tasks/events'),
  experimentLog: (id: number) => `${apiPath('/api/experiments/{experiment_id}/logs', { experiment_id: id })}?follow=true`,
};

/** Experiment states in which the engine is still being started or measured. */
export function isActiveExperiment(experiment: Pick<Experiment, 'status'>): boolean {
  return EXPERIMENT_STATUS[experiment.status]?.active ?? false;
}

/** `live`: the stream's state; only when it failed is a running task polled (slowly). */
export const taskListQuery = (filters: TaskFilters = {}, live: StreamState = 'live') =>
  queryOptions({
    queryKey: taskKeys.list(filters),
    queryFn: ({ signal }) => taskService.list(filters, signal),
    refetchInterval: (query) => (live === 'failed' && query.state.data?.some(isRunning) ? FALLBACK_POLL_MS : false),
  });

export const taskDetailQuery = (id: number, live: StreamState = 'live') =>
  queryOptions({
    queryKey: taskKeys.detail(id),
    queryFn: ({ signal }) => taskService.get(id, signal),
    refetchInterval: (query) => (live === 'failed' && isRunning(query.state.data) ? FALLBACK_POLL_MS : false),
  });

/** The tasks, kept current by the stream of every task's events (status and progress changes). */
export function useTasks(filters: TaskFilters = {}) {
  const client = useQueryClient();
  const refresh = useBatched(() => void client.invalidateQueries({ queryKey: taskKeys.lists() }));
  const live = useEventStream(streamUrls.tasks(), (kind) => {
    // `ready`: (re)connected, catch up on what happened before; the rest: a task moved.
    if (kind === 'ready' || kind === 'status' || kind === 'experiments.cleared') refresh();
  });
  return useQuery(taskListQuery(filters, live));
}

export function useShareTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, sharing }: { id: number; sharing: Sharing }) => taskService.share(id, sharing),
    onSuccess: (task) => {
      client.setQueryData(taskKeys.detail(task.id), task);
      return client.invalidateQueries({ queryKey: taskKeys.lists() });
    },
  });
}

/**
 * A task, kept current by its live stream while it is pending or running: each event refreshes
 * what it concerns (the task, its experiments, its log). The stream ends with the task; starting
 * it again opens a new one.
 */
export function useTask(id: number) {
  const client = useQueryClient();
  const valid = Number.isFinite(id);
  const [live, setLive] = useState<StreamState>('connecting');
  const query = useQuery({ ...taskDetailQuery(id, live), enabled: valid });
  const refreshTask = useBatched(() => void client.invalidateQueries({ queryKey: taskKeys.detail(id), exact: true }));
  const refreshExperiments = useBatched(() => void client.invalidateQueries({ queryKey: taskKeys.experiments(id) }));
  const refreshLog = useBatched(() => void client.invalidateQueries({ queryKey: taskKeys.log(id) }), 500);
  const following = valid && query.data !== undefined && !isFinished(query.data);
  const state = useEventStream(following ? streamUrls.task(id) : null, (kind: StreamEventKind) => {
    if (kind === 'status' || kind === 'end') refreshTask();
    if (kind.startsWith('experiment') || kind === 'end') refreshExperiments();
    if (kind === 'log' || kind === 'experiments.cleared') refreshLog();
  });
  if (state !== live) setLive(state);
  return query;
}

/** What the service's machine offers (GPUs); fetched once per session. */
export function useSystemInfo() {
  return useQuery({
    queryKey: taskKeys.system(),
    queryFn: ({ signal }) => taskService.system(signal),
    staleTime: Infinity,
    retry: false,
  });
}

/** A task's experiments: refreshed by the task's live stream (see useTask), never polled. */
export function useExperiments(taskId: number, live: boolean) {
  return useQuery({
    queryKey: taskKeys.experiments(taskId),
    queryFn: ({ signal }) => taskService.experiments(taskId, signal),
    staleTime: live ? 0 : 5_000,
  });
}

/** The task's Pareto front; `progress` changes as experiments end, which fetches it again. Null: no query. */
export function usePareto(taskId: number, progress: string | null) {
  return useQuery({
    queryKey: taskKeys.pareto(taskId, progress ?? ''),
    queryFn: ({ signal }) => taskService.pareto(taskId, signal),
    enabled: progress !== null,
    placeholderData: (previous) => previous,
  });
}

export type LogRef = { kind: 'task' | 'experiment'; id: number };

/**
 * The end of a log; while `live`, a task's log is refreshed by the task's stream (see useTask)
 * and an experiment's by following it (`?follow=true`). `source` null: no query (drawer closed).
 */
export function useLog(source: LogRef | null, live: boolean) {
  const client = useQueryClient();
  const followed = live && source?.kind === 'experiment' ? source.id : null;
  const refresh = useBatched(() => {
    if (followed !== null) void client.invalidateQueries({ queryKey: taskKeys.experimentLog(followed) });
  }, 500);
  const state = useEventStream(followed !== null ? streamUrls.experimentLog(followed) : null, (kind) => {
    if (kind === 'log' || kind === 'end') refresh();
  });
  return useQuery({
    queryKey: source
      ? source.kind === 'task'
        ? taskKeys.log(source.id)
        : taskKeys.experimentLog(source.id)
      : [...taskKeys.all, 'log', 'none'],
    queryFn: ({ signal }) => {
      if (!source) return '';
      return source.kind === 'task' ? taskService.taskLog(source.id, signal) : taskService.experimentLog(source.id, signal);
    },
    enabled: source !== null,
    refetchInterval: followed !== null && state === 'failed' ? FALLBACK_POLL_MS : false,
    staleTime: 0,
  });
}

export function useCreateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: taskService.create,
    onSuccess: (task) => {
      client.setQueryData(taskKeys.detail(task.id), task);
      return client.invalidateQueries({ queryKey: taskKeys.lists() });
    },
  });
}

export function useDeleteTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => taskService.remove(id),
    onSuccess: () => client.invalidateQueries({ queryKey: taskKeys.all }),
  });
}

/** Start, restart and cancel answer with the task: it replaces the cached one, and its live stream follows it. */
function useTaskTransition(call: (id: number) => Promise<Task>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (task) => {
      client.setQueryData(taskKeys.detail(task.id), task);
      return Promise.all([
        client.invalidateQueries({ queryKey: taskKeys.lists() }),
        client.invalidateQueries({ queryKey: taskKeys.experiments(task.id) }),
        client.invalidateQueries({ queryKey: taskKeys.log(task.id) }),
      ]);
    },
  });
}

export function useStartTask() {
  return useTaskTransition(taskService.start);
}

export function useRestartTask() {
  return useTaskTransition(taskService.restart);
}

export function useCancelTask() {
  return useTaskTransition(taskService.cancel);
}

export function useSaveExperimentAsPreset() {
  const invalidatePresets = useInvalidatePresets();
  return useMutation({
    mutationFn: ({ experimentId, body }: { experimentId: number; body: SaveAsPresetBody }) =>
      taskService.saveAsPreset(experimentId, body),
    onSuccess: invalidatePresets,
  });
}
