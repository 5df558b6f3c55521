/** The service: version, database, worker and what each GPU or slot is doing. */
import { Loader } from '@mantine/core';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { SystemPanel, useSystemStatus } from '../features/system';

export function SystemPage() {
  const system = useSystemStatus();
  return (
    <>
      <PageHeader
        title="System"
        description="The service, its database and worker, and the GPUs or slots experiments run on (refreshed every few seconds)."
      />
      {system.error ? <ApiErrorAlert error={system.error} /> : system.data ? <SystemPanel system={system.data} /> : <Loader />}
    </>
  );
}
