/** The service itself: version, database, worker and the GPU / slot pool (GET /api/system/). */
import { useQuery } from '@tanstack/react-query';
import { apiPath, apiRequest } from '../../../api/client';
import type { components } from '../../../api/schema';

export type SystemStatus = components['schemas']['SystemRead'];
export type PoolDevice = components['schemas']['DeviceRead'];

export const systemService = {
  get: (signal?: AbortSignal) => apiRequest<SystemStatus>(apiPath('/api/system/'), { signal }),
};

export const systemKeys = { all: ['system'] as const };

/** The system status, refreshed every few seconds while the page is open (the pool changes as experiments run). */
export function useSystemStatus(refreshMs = 3000) {
  return useQuery({
    queryKey: systemKeys.all,
    queryFn: ({ signal }) => systemService.get(signal),
    refetchInterval: refreshMs,
  });
}

/** The product's version, for the UI shell: fetched once per page load (it changes only with a restart). */
export function useServiceVersion() {
  const query = useQuery({
    queryKey: [...systemKeys.all, 'version'],
    queryFn: ({ signal }) => systemService.get(signal),
    staleTime: Infinity,
    retry: false,
  });
  return query.data?.version ?? null;
}
