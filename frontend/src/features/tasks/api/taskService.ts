/** The task API: tasks, their runs, experiments and logs; query keys and hooks. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, apiRequest, apiText } from '../../../api/client';
import { EXPERIMENT_STATUS, type TaskStatus } from '../../../api/enums';
import type { Sharing, Visibility } from '../../auth';
import { useInvalidatePresets, type Preset } from '../../presets';
import type { Experiment, SaveAsPresetBody, SystemInfo, Task, TaskCreate, TaskImported } from '../types/task';

/** How often a running task, its experiments and a live log are fetched again. */
export const POLL_MS = 1500;

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
  experimentLog: (experimentId: number) => [...taskKeys.all, 'experiment-log', experimentId] as const,
  system: () => ['system'] as const,
};

const isRunning = (task: Task | undefined) => task?.status === 'running';

/** Experiment states in which the engine is still being started or measured. */
export function isActiveExperiment(experiment: Pick<Experiment, 'status'>): boolean {
  return EXPERIMENT_STATUS[experiment.status]?.active ?? false;
}

export const taskListQuery = (filters: TaskFilters = {}) =>
  queryOptions({
    queryKey: taskKeys.list(filters),
    queryFn: ({ signal }) => taskService.list(filters, signal),
    // Keep progress moving while any listed task runs.
    refetchInterval: (query) => (query.state.data?.some(isRunning) ? POLL_MS : false),
  });

export const taskDetailQuery = (id: number) =>
  queryOptions({
    queryKey: taskKeys.detail(id),
    queryFn: ({ signal }) => taskService.get(id, signal),
    refetchInterval: (query) => (isRunning(query.state.data) ? POLL_MS : false),
  });

export function useTasks(filters: TaskFilters = {}) {
  return useQuery(taskListQuery(filters));
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

export function useTask(id: number) {
  return useQuery({ ...taskDetailQuery(id), enabled: Number.isFinite(id) });
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

/** A task's experiments; polled while `live` (the task runs), fetched once otherwise. */
export function useExperiments(taskId: number, live: boolean) {
  return useQuery({
    queryKey: taskKeys.experiments(taskId),
    queryFn: ({ signal }) => taskService.experiments(taskId, signal),
    refetchInterval: live ? POLL_MS : false,
    staleTime: live ? 0 : 5_000,
  });
}

export type LogRef = { kind: 'task' | 'experiment'; id: number };

/** The end of a log, polled while `live`. `source` null disables the query (drawer closed). */
export function useLog(source: LogRef | null, live: boolean) {
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
    refetchInterval: live ? POLL_MS : false,
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

/** Start, restart and cancel answer with the task: it replaces the cached one, so polling follows its status. */
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
