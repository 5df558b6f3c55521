import { Alert, Button, Group, Paper, Progress, Text, Title } from '@mantine/core';
import { IconActivity, IconAlertTriangle, IconFileText } from '@tabler/icons-react';
import { labelOf, OPTIMIZATION_STRATEGIES, TASK_STATUS } from '../../../../api/enums';
import { isActiveExperiment } from '../../api/taskService';
import { formatMetric, parameterPairs } from '../../lib/experimentMetrics';
import type { Experiment, Task } from '../../types/task';

/** Experiments a task plans: known once it starts, the smaller of its space and its budget before. */
export function plannedExperiments(task: Task): { planned: number; total: number } {
  const planned = Math.min(task.combinations, task.optimization?.max_iterations ?? task.combinations);
  return { planned, total: task.experiments_total ?? planned };
}

export function progressColor(task: Task): string {
  return task.status === 'running' ? 'indigo' : TASK_STATUS[task.status].color;
}

function statusLine(task: Task, experiments: Experiment[]): string {
  const { planned } = plannedExperiments(task);
  const active = experiments.filter(isActiveExperiment);
  if (task.status === 'pending' && task.experiments_done === 0) {
    return `Not started. Start runs up to ${planned} ${planned === 1 ? 'experiment' : 'experiments'} (${labelOf(OPTIMIZATION_STRATEGIES, task.optimization?.strategy) || 'search'}).`;
  }
  if (task.status === 'running' && task.cancel_requested) return 'Cancelling: the running engines are being stopped.';
  if (task.status === 'running') {
    if (active.length === 0) return 'Waiting for the worker to pick the next combination…';
    if (active.length > 1) {
      return `${active.length} experiments running at once: ${active.map((e) => `#${e.sequence} ${e.status}`).join(', ')}.`;
    }
    const [only] = active;
    const params = parameterPairs(only.parameters).map(([k, v]) => `${k} ${v}`).join(', ');
    return `Experiment #${only.sequence} is ${only.status === 'pending' ? 'queued' : only.status}: ${params}`;
  }
  if (task.status === 'completed') return `Completed${task.stop_reason ? `: ${task.stop_reason}` : ''}.`;
  if (task.status === 'cancelled') return `Cancelled${task.stop_reason ? `: ${task.stop_reason}` : ''}.`;
  return task.stop_reason ?? '';
}

export function RunProgress({
  task,
  experiments,
  best,
  onShowTaskLog,
}: {
  task: Task;
  experiments: Experiment[];
  best: Experiment | null;
  onShowTaskLog: () => void;
}) {
  const { total } = plannedExperiments(task);
  const done = task.experiments_done;
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const running = task.status === 'running';

  return (
    <Paper withBorder p="lg" shadow="xs" data-testid="task-run">
      <Group justify="space-between" align="flex-start" mb="sm" wrap="wrap">
        <div style={{ minWidth: 0, flex: '1 1 20rem' }}>
          <Group gap={8}>
            <IconActivity size={20} color="var(--mantine-color-indigo-6)" />
            <Title order={4}>Progress</Title>
          </Group>
          <Text size="sm" c="dimmed" mt={4} data-testid="run-status-line" className="wrap-anywhere">
            {statusLine(task, experiments)}
          </Text>
        </div>
        <Group gap="xl" align="flex-start" wrap="wrap">
          <div>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
              Experiments
            </Text>
            <Text fw={700} size="xl" data-testid="task-progress">
              {done}{' '}
              <Text span c="dimmed" fw={500} size="md">
                of {total}
              </Text>
            </Text>
          </div>
          <div>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
              Best score
            </Text>
            <Text fw={700} size="xl" c={best ? 'teal.7' : 'dimmed'} data-testid="best-score">
              {best ? formatMetric(best.score) : '—'}
              {best && (
                <Text span c="dimmed" fw={500} size="md">
                  {' '}
                  #{best.sequence}
                </Text>
              )}
            </Text>
          </div>
          <Button variant="default" size="xs" leftSection={<IconFileText size={14} />} onClick={onShowTaskLog}>
            Task log
          </Button>
        </Group>
      </Group>
      <Progress
        value={pct}
        size="lg"
        radius="xl"
        color={progressColor(task)}
        striped={running}
        animated={running}
        aria-label={`${done} of ${total} experiments done`}
      />
      {task.status === 'failed' && task.error_message && (
        <Alert color="red" variant="light" mt="md" icon={<IconAlertTriangle size={18} />} title="The task failed">
          <Text size="sm" className="wrap-anywhere">
            {task.error_message}
          </Text>
        </Alert>
      )}
    </Paper>
  );
}
