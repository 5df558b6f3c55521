import { Badge } from '@mantine/core';
import { EXPERIMENT_STATUS, TASK_STATUS, type ExperimentStatus, type TaskStatus } from '../../../api/enums';

/** A badge that never cuts its word: it is as wide as its label (the longest is "Benchmarking"). */
const FIT = { root: { maxWidth: 'none', overflow: 'visible', flexShrink: 0 }, label: { overflow: 'visible' } } as const;

/** A pulsing dot: this is happening now (it pulses in place, so it never widens its badge). */
function LiveDot() {
  return <span className="live-dot" aria-hidden="true" />;
}

/** A task's status; a pulsing dot while it runs. */
export function TaskStatusBadge({ status, size = 'md', testId }: { status: TaskStatus; size?: 'sm' | 'md' | 'lg'; testId?: string }) {
  const meta = TASK_STATUS[status];
  return (
    <Badge
      color={meta.color}
      variant="light"
      size={size}
      data-testid={testId}
      data-status={status}
      styles={FIT}
      leftSection={status === 'running' ? <LiveDot /> : undefined}
    >
      {meta.label}
    </Badge>
  );
}

/** An experiment's status; a pulsing dot while its engine is starting or being measured. */
export function ExperimentStatusBadge({ status }: { status: ExperimentStatus }) {
  const meta = EXPERIMENT_STATUS[status];
  const spinning = meta.active && status !== 'pending';
  return (
    <Badge
      variant="light"
      color={meta.color}
      styles={FIT}
      leftSection={spinning ? <LiveDot /> : undefined}
      data-testid="experiment-status"
      data-status={status}
    >
      {meta.label}
    </Badge>
  );
}
