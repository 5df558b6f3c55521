import { Badge, Loader } from '@mantine/core';
import { ACTIVE_EXPERIMENT, type ExperimentStatus } from '../services/taskService';

export const EXPERIMENT_STATUS_COLORS: Record<ExperimentStatus, string> = {
  pending: 'gray',
  deploying: 'violet',
  benchmarking: 'blue',
  succeeded: 'teal',
  failed: 'red',
  cancelled: 'orange',
};

/** An experiment's status; a spinner while its engine is starting or being measured. */
export function ExperimentStatusBadge({ status }: { status: ExperimentStatus }) {
  const active = ACTIVE_EXPERIMENT.has(status) && status !== 'pending';
  return (
    <Badge
      variant="light"
      color={EXPERIMENT_STATUS_COLORS[status] ?? 'gray'}
      leftSection={active ? <Loader size={10} color={EXPERIMENT_STATUS_COLORS[status]} /> : undefined}
      data-testid="experiment-status"
    >
      {status}
    </Badge>
  );
}
