import { Code, Paper, SimpleGrid, Text } from '@mantine/core';
import { labelOf, OBJECTIVES, OPTIMIZATION_STRATEGIES, RUNTIMES } from '../../../../api/enums';
import { fullDate } from '../../../../lib/dates';
import { trustText } from '../../lib/trust';
import type { Task } from '../../types/task';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
        {label}
      </Text>
      <Text size="sm" component="div" mt={2} className="wrap-anywhere">
        {children}
      </Text>
    </div>
  );
}

function sloText(task: Task): string {
  const limits = Object.entries(task.slo ?? {}).flatMap(([k, v]) => (v ?? []).map((l) => [k, l] as const));
  if (!limits.length) return 'none';
  return limits
    .map(([k, l]) => {
      const how = l.hard ? (l.fail_ratio != null ? ` (hard, ${l.fail_ratio * 100}% may exceed)` : ' (hard)') : l.penalty === 'exponential' ? ' (exp.)' : '';
      return `${k} ${l.percentile} ≤ ${l.max_ms} ms${how}`;
    })
    .join(' · ');
}

/** What the task runs, and how it searches and measures. */
export function TaskSummary({ task }: { task: Task }) {
  return (
    <Paper withBorder p="lg" shadow="xs">
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="lg">
        <Field label="Model">
          <Code style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}>{task.model?.id_or_path}</Code>
        </Field>
        <Field label="Runtime">
          {labelOf(RUNTIMES, task.base_runtime)} · {task.deployment_mode}
          {task.gpus != null && ` · ${task.gpus} ${task.gpus === 1 ? 'GPU' : 'GPUs'}`}
          {task.runtime_version && (
            <Text size="xs" c="dimmed" data-testid="runtime-version">
              Flags checked against {labelOf(RUNTIMES, task.base_runtime)} {task.runtime_version}
            </Text>
          )}
          {task.deployment_mode === 'docker' && (
            <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {task.docker?.image ?? 'the official image'}
              {task.docker?.host_network ? ' · host network' : ''}
            </Text>
          )}
        </Field>
        <Field label="Optimization">
          {labelOf(OPTIMIZATION_STRATEGIES, task.optimization?.strategy)} · {labelOf(OBJECTIVES, task.optimization?.objective)}
          <Text size="xs" c="dimmed" data-testid="trust-settings">
            {trustText(task)}
          </Text>
        </Field>
        <Field label="Budget">
          {task.optimization?.max_iterations} iterations · {task.optimization?.timeout_per_iteration} s each
        </Field>
        <Field label="Traffic">{task.benchmark?.traffic_scenarios?.join(', ')}</Field>
        <Field label="Concurrency">{task.benchmark?.concurrency?.join(', ')}</Field>
        <Field label="SLOs">{sloText(task)}</Field>
        <Field label="Created">{fullDate(task.created_at)}</Field>
      </SimpleGrid>
    </Paper>
  );
}
