/** The engine catalog: runtimes and their known flags (used for name suggestions). */
import { queryOptions, useQueries, useQuery } from '@tanstack/react-query';
import { apiPath, apiRequest } from '../../../api/client';
import type { PresetRuntime } from '../../../api/enums';
import type { components } from '../../../api/schema';
import type { Scalar } from '../../../lib/parameterSpace';

export type RuntimeInfo = components['schemas']['RuntimeRead'];
/** A flag of the engine catalog (GET /api/runtimes/{runtime}/parameters). */
export type RuntimeParameter = Omit<components['schemas']['FlagRead'], 'choices'> & { choices?: Scalar[] | null };
/** Every flag of one engine version (GET /api/runtimes/{runtime}/flags), renames and deprecations included. */
export type EngineFlag = components['schemas']['EngineFlagRead'];
/** One engine version with a catalog (GET /api/runtimes/{runtime}/versions), newest first. */
export type RuntimeVersion = components['schemas']['VersionRead'];

export const runtimeService = {
  list: (signal?: AbortSignal) => apiRequest<RuntimeInfo[]>(apiPath('/api/runtimes/'), { signal }),
  parameters: (runtime: PresetRuntime, signal?: AbortSignal) =>
    apiRequest<RuntimeParameter[]>(apiPath('/api/runtimes/{runtime}/parameters', { runtime }), { signal }),
  /** Every flag of the newest catalog. */
  flags: (runtime: PresetRuntime, signal?: AbortSignal) =>
    apiRequest<EngineFlag[]>(apiPath('/api/runtimes/{runtime}/flags', { runtime }), { signal }),
  versions: (runtime: PresetRuntime, signal?: AbortSignal) =>
    apiRequest<RuntimeVersion[]>(apiPath('/api/runtimes/{runtime}/versions', { runtime }), { signal }),
};

export const runtimeKeys = {
  all: ['runtimes'] as const,
  list: () => [...runtimeKeys.all, 'list'] as const,
  parameters: (runtime: PresetRuntime) => [...runtimeKeys.all, 'parameters', runtime] as const,
  newest: (runtime: PresetRuntime) => [...runtimeKeys.all, 'newest', runtime] as const,
};

export const runtimeParametersQuery = (runtime: PresetRuntime) =>
  queryOptions({
    queryKey: runtimeKeys.parameters(runtime),
    queryFn: ({ signal }) => runtimeService.parameters(runtime, signal),
    staleTime: 10 * 60 * 1000,
    retry: false,
  });

/**
 * Known flags of one engine, or of every engine together when `runtime` is null or is not an
 * engine of the catalog ("command").
 */
export function useRuntimeParameters(runtime: string | null | undefined): RuntimeParameter[] {
  const only = runtime === 'sglang' || runtime === 'vllm' || runtime === 'llamacpp' ? runtime : null;
  const sglang = useQuery({ ...runtimeParametersQuery('sglang'), enabled: !only || only === 'sglang' });
  const vllm = useQuery({ ...runtimeParametersQuery('vllm'), enabled: !only || only === 'vllm' });
  const llamacpp = useQuery({ ...runtimeParametersQuery('llamacpp'), enabled: !only || only === 'llamacpp' });
  const byEngine = { sglang: [sglang.data], vllm: [vllm.data], llamacpp: [llamacpp.data] };
  const lists = only ? byEngine[only] : [sglang.data, vllm.data, llamacpp.data];
  const byName = new Map<string, RuntimeParameter>();
  for (const list of lists) for (const p of list ?? []) if (!byName.has(p.name)) byName.set(p.name, p);
  return [...byName.values()];
}

/** The newest catalog of one engine: its version (label, renames) and every flag it has. */
export interface NewestCatalog {
  version: RuntimeVersion;
  flags: EngineFlag[];
}

export const newestCatalogQuery = (runtime: PresetRuntime) =>
  queryOptions({
    queryKey: runtimeKeys.newest(runtime),
    queryFn: async ({ signal }): Promise<NewestCatalog | null> => {
      const [versions, flags] = await Promise.all([runtimeService.versions(runtime, signal), runtimeService.flags(runtime, signal)]);
      return versions[0] ? { version: versions[0], flags } : null;
    },
    staleTime: 10 * 60 * 1000,
    retry: false,
  });

/**
 * The newest catalog of each of `runtimes` (fetched once per engine and cached), by engine;
 * an engine still loading or whose catalog failed to load is absent.
 */
export function useNewestCatalogs(runtimes: PresetRuntime[]): Partial<Record<PresetRuntime, NewestCatalog>> {
  const unique = [...new Set(runtimes)].sort();
  const results = useQueries({ queries: unique.map((runtime) => newestCatalogQuery(runtime)) });
  const out: Partial<Record<PresetRuntime, NewestCatalog>> = {};
  unique.forEach((runtime, i) => {
    const data = results[i]?.data;
    if (data) out[runtime] = data;
  });
  return out;
}
