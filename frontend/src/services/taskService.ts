/** The task API client, query keys and hooks: tasks, their runs, experiments and logs. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '../api/schema';
import { apiRequest, buildUrl, errorFromBody, ApiError } from '../api/client';
import type { Preset } from '../types/preset';
import { presetKeys } from './presetService';
import type { Task, TaskCreate, TaskStatus } from '../types/task';

const BASE = '/api/tasks';
const EXPERIMENTS = '/api/experiments';

/** How often a running task, its experiments and a live log are fetched again. */
export const POLL_MS = 1500;

export type ExperimentStatus = components['schemas']['ExperimentRead']['status'];
export type Experiment = components['schemas']['ExperimentRead'];
export type SaveAsPresetBody = { name: string; description?: string | null; category?: string | null };

/** Experiment states in which the engine is still being started or measured. */
export const ACTIVE_EXPERIMENT: ReadonlySet<ExperimentStatus> = new Set(['pending', 'deploying', 'benchmarking']);

/** GET a text/plain endpoint (logs): the body as it is, errors as ApiError with the server's sentence. */
async function requestText(path: string, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(buildUrl(path), { headers: { Accept: 'text/plain, application/json' }, signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The autotuner service cannot be reached; check that `autotuner serve` is running.');
  }
  const text = await response.text();
  if (!response.ok) {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain text error */
    }
    throw errorFromBody(response.status, body, response.statusText);
  }
  return text;
}

export const taskService = {
  list: (status?: TaskStatus, signal?: AbortSignal) => apiRequest<Task[]>(`${BASE}/`, { query: { status }, signal }),
  get: (id: number, signal?: AbortSignal) => apiRequest<Task>(`${BASE}/${id}`, { signal }),
  create: (body: TaskCreate) => apiRequest<Task>(`${BASE}/`, { method: 'POST', json: body }),
  remove: (id: number) => apiRequest<void>(`${BASE}/${id}`, { method: 'DELETE' }),
  start: (id: number) => apiRequest<Task>(`${BASE}/${id}/start`, { method: 'POST' }),
  cancel: (id: number) => apiRequest<Task>(`${BASE}/${id}/cancel`, { method: 'POST' }),
  experiments: (id: number, signal?: AbortSignal) => apiRequest<Experiment[]>(`${BASE}/${id}/experiments`, { signal }),
  taskLog: (id: number, signal?: AbortSignal) => requestText(`${BASE}/${id}/logs`, signal),
  experiment: (id: number, signal?: AbortSignal) => apiRequest<Experiment>(`${EXPERIMENTS}/${id}`, { signal }),
  experimentLog: (id: number, signal?: AbortSignal) => requestText(`${EXPERIMENTS}/${id}/logs`, signal),
  saveAsPreset: (experimentId: number, body: SaveAsPresetBody) =>
    apiRequest<Preset>(`${EXPERIMENTS}/${experimentId}/save-as-preset`, { method: 'POST', json: body }),
};

export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  list: (status?: TaskStatus) => [...taskKeys.lists(), status ?? 'all'] as const,
  details: () => [...taskKeys.all, 'detail'] as const,
  detail: (id: number) => [...taskKeys.details(), id] as const,
  experiments: (id: number) => [...taskKeys.detail(id), 'experiments'] as const,
  log: (id: number) => [...taskKeys.detail(id), 'log'] as const,
  experimentLog: (experimentId: number) => [...taskKeys.all, 'experiment-log', experimentId] as const,
};

const isRunning = (task: Task | undefined) => task?.status === 'running';

export const taskListQuery = (status?: TaskStatus) =>
  queryOptions({
    queryKey: taskKeys.list(status),
    queryFn: ({ signal }) => taskService.list(status, signal),
    // Keep progress moving while any listed task runs.
    refetchInterval: (query) => (query.state.data?.some(isRunning) ? POLL_MS : false),
  });

export const taskDetailQuery = (id: number) =>
  queryOptions({
    queryKey: taskKeys.detail(id),
    queryFn: ({ signal }) => taskService.get(id, signal),
    refetchInterval: (query) => (isRunning(query.state.data) ? POLL_MS : false),
  });

export function useTasks(status?: TaskStatus) {
  return useQuery(taskListQuery(status));
}

export function useTask(id: number) {
  return useQuery({ ...taskDetailQuery(id), enabled: Number.isFinite(id) });
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

/** The end of a log, polled while `live`. `source` null disables the query (drawer closed). */
export function useLog(source: { kind: 'task' | 'experiment'; id: number } | null, live: boolean) {
  return useQuery({
    queryKey: source
      ? source.kind === 'task'
        ? taskKeys.log(source.id)
        : taskKeys.experimentLog(source.id)
      : ['tasks', 'log', 'none'],
    queryFn: ({ signal }) =>
      source!.kind === 'task' ? taskService.taskLog(source!.id, signal) : taskService.experimentLog(source!.id, signal),
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

/** Start and cancel answer with the task: it replaces the cached one, so polling follows its status. */
function useTaskTransition(call: (id: number) => Promise<Task>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (task) => {
      client.setQueryData(taskKeys.detail(task.id), task);
      return Promise.all([
        client.invalidateQueries({ queryKey: taskKeys.lists() }),
        client.invalidateQueries({ queryKey: taskKeys.experiments(task.id) }),
      ]);
    },
  });
}

export function useStartTask() {
  return useTaskTransition(taskService.start);
}

export function useCancelTask() {
  return useTaskTransition(taskService.cancel);
}

export function useSaveExperimentAsPreset() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ experimentId, body }: { experimentId: number; body: SaveAsPresetBody }) =>
      taskService.saveAsPreset(experimentId, body),
    onSuccess: () => client.invalidateQueries({ queryKey: presetKeys.all }),
  });
}
