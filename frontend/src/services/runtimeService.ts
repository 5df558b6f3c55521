/** The engine catalog: runtimes and their known flags (used for name suggestions). */
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../api/client';
import type { components } from '../api/schema';
import type { RuntimeParameter } from '../types/preset';

export type RuntimeInfo = components['schemas']['RuntimeRead'];

export const runtimeService = {
  list: (signal?: AbortSignal) => apiRequest<RuntimeInfo[]>('/api/runtimes/', { signal }),
  parameters: (runtime: string, signal?: AbortSignal) =>
    apiRequest<RuntimeParameter[]>(`/api/runtimes/${encodeURIComponent(runtime)}/parameters`, { signal }),
};

export const runtimeKeys = {
  all: ['runtimes'] as const,
  list: () => [...runtimeKeys.all, 'list'] as const,
  parameters: (runtime: string) => [...runtimeKeys.all, 'parameters', runtime] as const,
};

export const runtimeParametersQuery = (runtime: string) =>
  queryOptions({
    queryKey: runtimeKeys.parameters(runtime),
    queryFn: ({ signal }) => runtimeService.parameters(runtime, signal),
    staleTime: 10 * 60 * 1000,
    retry: false,
  });

/** Known flags of one runtime, or of every engine together when runtime is null. */
export function useRuntimeParameters(runtime: string | null | undefined) {
  const sglang = useQuery({ ...runtimeParametersQuery('sglang'), enabled: !runtime || runtime === 'sglang' });
  const vllm = useQuery({ ...runtimeParametersQuery('vllm'), enabled: !runtime || runtime === 'vllm' });
  const llamacpp = useQuery({ ...runtimeParametersQuery('llamacpp'), enabled: !runtime || runtime === 'llamacpp' });
  const byRuntime: Record<string, (typeof sglang.data)[]> = {
    sglang: [sglang.data],
    vllm: [vllm.data],
    llamacpp: [llamacpp.data],
  };
  const lists = (runtime && byRuntime[runtime]) || [sglang.data, vllm.data, llamacpp.data];
  const byName = new Map<string, RuntimeParameter>();
  for (const list of lists) for (const p of list ?? []) if (!byName.has(p.name)) byName.set(p.name, p);
  return [...byName.values()];
}
