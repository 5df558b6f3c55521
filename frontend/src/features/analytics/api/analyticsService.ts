/**
 * The analytics API: a preset's record, parameter importance, the built-in model shapes and
 * suggestions, as request functions, query keys and the TanStack Query hooks the page uses.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { apiPath, apiRequest } from '../../../api/client';
import type { Importance, ImportanceScope, ModelShape, PresetAnalytics, SuggestRequest, Suggestion } from '../types';

export const analyticsService = {
  preset: (id: number, signal?: AbortSignal) => apiRequest<PresetAnalytics>(apiPath('/api/presets/{preset_id}/analytics', { preset_id: id }), { signal }),
  importance: (scope: ImportanceScope, signal?: AbortSignal) =>
    apiRequest<Importance>(apiPath('/api/analytics/importance'), { query: { ...scope }, signal }),
  models: (signal?: AbortSignal) => apiRequest<ModelShape[]>(apiPath('/api/presets/suggest/models'), { signal }),
  suggest: (body: SuggestRequest) => apiRequest<Suggestion>(apiPath('/api/presets/suggest'), { method: 'POST', json: body }),
};

export const analyticsKeys = {
  all: ['analytics'] as const,
  preset: (id: number) => [...analyticsKeys.all, 'preset', id] as const,
  importance: (scope: ImportanceScope) => [...analyticsKeys.all, 'importance', scope] as const,
  models: () => [...analyticsKeys.all, 'models'] as const,
};

/** One preset's analytics (nothing is asked while `id` is null). */
export function usePresetAnalytics(id: number | null) {
  return useQuery({
    queryKey: analyticsKeys.preset(id ?? 0),
    queryFn: ({ signal }) => analyticsService.preset(id ?? 0, signal),
    enabled: id != null,
  });
}

/** The analytics of several presets at once, for the compare view (one request each, in parallel). */
export function usePresetsAnalytics(ids: number[]) {
  return useQuery({
    queryKey: [...analyticsKeys.all, 'many', ids] as const,
    queryFn: ({ signal }) => Promise.all(ids.map((id) => analyticsService.preset(id, signal))),
    enabled: ids.length > 0,
  });
}

/** Parameter importance for a scope (nothing is asked while it is null). */
export function useImportance(scope: ImportanceScope | null) {
  return useQuery({
    queryKey: analyticsKeys.importance(scope ?? {}),
    queryFn: ({ signal }) => analyticsService.importance(scope ?? {}, signal),
    enabled: scope !== null,
    retry: false,
  });
}

export function useModelShapes() {
  return useQuery({ queryKey: analyticsKeys.models(), queryFn: ({ signal }) => analyticsService.models(signal), staleTime: Infinity });
}

export function useSuggest() {
  return useMutation({ mutationFn: analyticsService.suggest });
}
