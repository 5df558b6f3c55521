/**
 * The preset API: plain request functions, the query-key factory, and the TanStack Query hooks
 * the pages use. Pages never build URLs: they call these.
 */
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, apiRequest } from '../../../api/client';
import type { OnConflict } from '../../../api/enums';
import type { Sharing } from '../../auth';
import type {
  ImportResult,
  MergeRequest,
  MergeResult,
  Preset,
  PresetCreate,
  PresetFilters,
  PresetSaved,
  PresetUpdate,
  PresetVersionDiff,
  PresetVersionPage,
  PresetVersionRead,
} from '../types/preset';

/** The If-Match header for a change made on `version` (none: the server does not check). */
const ifMatch = (version?: number): Record<string, string> | undefined => (version ? { 'If-Match': `"${version}"` } : undefined);

type PresetImported = Preset & { skipped?: boolean; renamed_from?: string | null; notes?: string[] };

/** A one-preset file is answered with the preset itself, a bundle with a summary: one shape for the page. */
export function asImportResult(answer: ImportResult | PresetImported): ImportResult {
  if ('imported' in answer) return answer;
  const { skipped, renamed_from: from, notes, ...preset } = answer;
  return {
    imported: skipped ? [] : [preset],
    skipped: skipped ? [preset.name] : [],
    renamed: from ? { [from]: preset.name } : {},
    notes: notes ?? [],
  };
}

const presetPath = (idOrSlug: number | string) => apiPath('/api/presets/{preset_id}', { preset_id: idOrSlug });

export const presetService = {
  list: (filters: PresetFilters = {}, signal?: AbortSignal) =>
    apiRequest<Preset[]>(apiPath('/api/presets/'), { query: { ...filters }, signal }),
  get: (idOrSlug: number | string, signal?: AbortSignal) => apiRequest<Preset>(presetPath(idOrSlug), { signal }),
  create: (body: PresetCreate) => apiRequest<PresetSaved>(apiPath('/api/presets/'), { method: 'POST', json: body }),
  /** `version`: the one the form loaded, sent as If-Match; a stale one is refused with 412. */
  update: (id: number, body: PresetUpdate, version?: number) =>
    apiRequest<PresetSaved>(presetPath(id), { method: 'PUT', json: body, headers: ifMatch(version) }),
  remove: (id: number, version?: number) => apiRequest<void>(presetPath(id), { method: 'DELETE', headers: ifMatch(version) }),
  /** Its versions, newest first. */
  versions: (id: number, signal?: AbortSignal) =>
    apiRequest<PresetVersionPage>(apiPath('/api/presets/{preset_id}/versions', { preset_id: id }), {
      query: { limit: 200 },
      signal,
    }),
  version: (id: number, number: number, signal?: AbortSignal) =>
    apiRequest<PresetVersionRead>(apiPath('/api/presets/{preset_id}/versions/{number}', { preset_id: id, number }), { signal }),
  diff: (id: number, a: number, b: number, signal?: AbortSignal) =>
    apiRequest<PresetVersionDiff>(apiPath('/api/presets/{preset_id}/versions/{a}/diff/{b}', { preset_id: id, a, b }), { signal }),
  /** A new version equal to `number`; `current`: the version the user saw as current (If-Match). */
  restore: (id: number, number: number, current?: number, note?: string) =>
    apiRequest<PresetSaved>(apiPath('/api/presets/{preset_id}/versions/{number}/restore', { preset_id: id, number }), {
      method: 'POST',
      json: note ? { change_note: note } : {},
      headers: ifMatch(current),
    }),
  /** Who may see it: private, some teams, or public (its owner or an admin). */
  share: (id: number, sharing: Sharing) =>
    apiRequest<Preset>(apiPath('/api/presets/{preset_id}/sharing', { preset_id: id }), { method: 'PUT', json: sharing }),
  /** A private copy of one's own, of any preset one may read. */
  duplicate: (id: number, name?: string) =>
    apiRequest<PresetSaved>(apiPath('/api/presets/{preset_id}/duplicate', { preset_id: id }), {
      method: 'POST',
      json: name ? { name } : {},
    }),
  merge: (body: MergeRequest, signal?: AbortSignal) =>
    apiRequest<MergeResult>(apiPath('/api/presets/merge'), { method: 'POST', json: body, signal }),
  /** Where the browser downloads a preset's export file (preset-<slug>.json). */
  exportUrl: (id: number) => apiPath('/api/presets/{preset_id}/export', { preset_id: id }),
  import: (file: File, onConflict: OnConflict = 'error') => {
    const form = new FormData();
    form.append('file', file);
    return apiRequest<ImportResult | PresetImported>(apiPath('/api/presets/import'), {
      method: 'POST',
      form,
      query: { on_conflict: onConflict },
    }).then(asImportResult);
  },
};

export const presetKeys = {
  all: ['presets'] as const,
  lists: () => [...presetKeys.all, 'list'] as const,
  list: (filters: PresetFilters = {}) => [...presetKeys.lists(), filters] as const,
  details: () => [...presetKeys.all, 'detail'] as const,
  detail: (id: number | string) => [...presetKeys.details(), id] as const,
  merge: (req: MergeRequest) => [...presetKeys.all, 'merge', req] as const,
  versions: (id: number) => [...presetKeys.all, 'versions', id] as const,
  version: (id: number, number: number) => [...presetKeys.versions(id), number] as const,
  diff: (id: number, a: number, b: number) => [...presetKeys.versions(id), 'diff', a, b] as const,
};

export const presetListQuery = (filters: PresetFilters = {}) =>
  queryOptions({
    queryKey: presetKeys.list(filters),
    queryFn: ({ signal }) => presetService.list(filters, signal),
  });

export const presetMergeQuery = (req: MergeRequest) =>
  queryOptions({
    queryKey: presetKeys.merge(req),
    queryFn: ({ signal }) => presetService.merge(req, signal),
    retry: false,
  });

export function usePresets(filters: PresetFilters = {}) {
  return useQuery(presetListQuery(filters));
}

export function usePresetMerge(req: MergeRequest | null) {
  return useQuery({
    ...presetMergeQuery(req ?? { preset_ids: [], merge_strategy: 'union' }),
    enabled: !!req && req.preset_ids.length > 0,
    placeholderData: (previous) => previous,
  });
}

/** Call after anything that changes presets (also from other features: a task's "save as preset"). */
export function useInvalidatePresets() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: presetKeys.all });
}

export function useCreatePreset() {
  const invalidate = useInvalidatePresets();
  return useMutation({ mutationFn: presetService.create, onSuccess: invalidate });
}

export function useUpdatePreset() {
  const invalidate = useInvalidatePresets();
  return useMutation({
    mutationFn: ({ id, body, version }: { id: number; body: PresetUpdate; version?: number }) => presetService.update(id, body, version),
    onSuccess: invalidate,
  });
}

/** Deletes the preset at the version the page showed (a changed one is refused with 412). */
export function useDeletePreset() {
  const invalidate = useInvalidatePresets();
  return useMutation({ mutationFn: (preset: Preset) => presetService.remove(preset.id, preset.version), onSuccess: invalidate });
}

export function usePresetVersions(id: number | null) {
  return useQuery({
    queryKey: presetKeys.versions(id ?? 0),
    queryFn: ({ signal }) => presetService.versions(id ?? 0, signal),
    enabled: id != null,
  });
}

export function usePresetVersion(id: number | null, number: number | null) {
  return useQuery({
    queryKey: presetKeys.version(id ?? 0, number ?? 0),
    queryFn: ({ signal }) => presetService.version(id ?? 0, number ?? 0, signal),
    enabled: id != null && number != null,
  });
}

/** What changed from version a to b (null while either is not chosen). */
export function usePresetDiff(id: number | null, a: number | null, b: number | null) {
  return useQuery({
    queryKey: presetKeys.diff(id ?? 0, a ?? 0, b ?? 0),
    queryFn: ({ signal }) => presetService.diff(id ?? 0, a ?? 0, b ?? 0, signal),
    enabled: id != null && a != null && b != null && a !== b,
  });
}

export function useRestorePresetVersion() {
  const invalidate = useInvalidatePresets();
  return useMutation({
    mutationFn: ({ id, number, current, note }: { id: number; number: number; current?: number; note?: string }) =>
      presetService.restore(id, number, current, note),
    onSuccess: invalidate,
  });
}

export function useSharePreset() {
  const invalidate = useInvalidatePresets();
  return useMutation({
    mutationFn: ({ id, sharing }: { id: number; sharing: Sharing }) => presetService.share(id, sharing),
    onSuccess: invalidate,
  });
}

export function useCopyPreset() {
  const invalidate = useInvalidatePresets();
  return useMutation({ mutationFn: (preset: Preset) => presetService.duplicate(preset.id), onSuccess: invalidate });
}

export function useImportPreset() {
  const invalidate = useInvalidatePresets();
  return useMutation({
    mutationFn: ({ file, onConflict }: { file: File; onConflict?: OnConflict }) => presetService.import(file, onConflict),
    onSuccess: invalidate,
  });
}
