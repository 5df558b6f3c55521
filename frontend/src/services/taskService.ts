/** The task API client, query keys and hooks. */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../api/client';
import type { Task, TaskCreate, TaskStatus } from '../types/task';

const BASE = '/api/tasks';

export const taskService = {
  list: (status?: TaskStatus, signal?: AbortSignal) => apiRequest<Task[]>(`${BASE}/`, { query: { status }, signal }),
  get: (id: number, signal?: AbortSignal) => apiRequest<Task>(`${BASE}/${id}`, { signal }),
  create: (body: TaskCreate) => apiRequest<Task>(`${BASE}/`, { method: 'POST', json: body }),
  remove: (id: number) => apiRequest<void>(`${BASE}/${id}`, { method: 'DELETE' }),
};

export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  list: (status?: TaskStatus) => [...taskKeys.lists(), status ?? 'all'] as const,
  details: () => [...taskKeys.all, 'detail'] as const,
  detail: (id: number) => [...taskKeys.details(), id] as const,
};

export const taskListQuery = (status?: TaskStatus) =>
  queryOptions({ queryKey: taskKeys.list(status), queryFn: ({ signal }) => taskService.list(status, signal) });

export const taskDetailQuery = (id: number) =>
  queryOptions({ queryKey: taskKeys.detail(id), queryFn: ({ signal }) => taskService.get(id, signal) });

export function useTasks(status?: TaskStatus) {
  return useQuery(taskListQuery(status));
}

export function useTask(id: number) {
  return useQuery({ ...taskDetailQuery(id), enabled: Number.isFinite(id) });
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
