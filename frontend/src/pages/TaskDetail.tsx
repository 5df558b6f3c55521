import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Code,
  EmptyState,
  Group,
  Loader,
  Paper,
  Progress,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import {
  IconActivity,
  IconAdjustments,
  IconAlertTriangle,
  IconBookmarkPlus,
  IconChartDots,
  IconFileText,
  IconFlask,
  IconStack2,
  IconTrophy,
} from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { BestVsBaseline } from '../components/BestVsBaseline';
import { ExperimentLogDrawer, type LogSource } from '../components/ExperimentLogDrawer';
import { ExperimentsTable } from '../components/ExperimentsTable';
import { baselineExperiment, bestExperiment, formatMetric, parameterPairs } from '../components/experimentMetrics';
import { SaveAsPresetModal } from '../components/SaveAsPresetModal';
import { ScoreChart } from '../components/ScoreChart';
import { TaskRunControls } from '../components/TaskRunControls';
import { ParameterChips } from '../components/ParameterChips';
import { fullDate } from '../lib/dates';
import { compactJson, formatValues, leaves } from '../lib/parameterSpace';
import { ACTIVE_EXPERIMENT, taskKeys, useExperiments, useTask, type Experiment } from '../services/taskService';
import { OBJECTIVES, STATUS_COLORS, STRATEGIES, type Task } from '../types/task';

const MERGE_LABELS: Record<string, string> = { union: 'Union', intersection: 'Intersection', last_wins: 'Last Wins' };

export function TaskDetailPage() {
  const { taskId } = useParams();
  const id = Number(taskId);
  const task = useTask(id);

  if (task.isPending) {
    return (
      <Stack>
        <Skeleton height={36} width={320} />
        <Skeleton height={160} />
        <Skeleton height={240} />
      </Stack>
    );
  }
  if (task.isError) {
    if (task.error instanceof ApiError && task.error.status === 404) {
      return (
        <EmptyState
          mt="xl"
          variant="light"
          icon={<IconAlertTriangle size={26} />}
          title={`Task #${taskId} does not exist`}
          description={task.error.detail}
        >
          <EmptyState.Actions>
            <Anchor component={Link} to="/tasks">
              Back to all tasks
            </Anchor>
          </EmptyState.Actions>
        </EmptyState>
      );
    }
    return <ApiErrorAlert error={task.error} title="The task could not be loaded" />;
  }
  return <TaskView task={task.data} />;
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
        {label}
      </Text>
      <Text size="sm" component="div" mt={2}>
        {children}
      </Text>
    </div>
  );
}

const SCORE_LABELS: Record<string, string> = {
  maximize_throughput: 'Score: output tokens/s per GPU',
  minimize_latency: 'Score: − mean latency (ms)',
  minimize_ttft: 'Score: − mean TTFT (ms)',
  minimize_tpot: 'Score: − mean TPOT (ms)',
};

type LogTarget = { kind: 'experiment'; id: number } | { kind: 'task' } | null;

function TaskView({ task }: { task: Task }) {
  const provenance = task.provenance;
  const params = leaves(task.parameters);
  const overrides = provenance?.overrides ? leaves(provenance.overrides) : [];
  const overridden = new Set(overrides.map(([name]) => name));
  const objective = OBJECTIVES.find((o) => o.value === task.optimization?.objective)?.label ?? task.optimization?.objective;
  const strategy = STRATEGIES.find((s) => s.value === task.optimization?.strategy)?.label ?? task.optimization?.strategy;

  const running = task.status === 'running';
  const experiments = useExperiments(task.id, running);
  const list = experiments.data ?? [];
  const best = bestExperiment(list, task.best_experiment_id);
  const baseline = baselineExperiment(list);
  const [logTarget, setLogTarget] = useState<LogTarget>(null);
  const [saveId, setSaveId] = useState<number | null>(null);

  // The experiments follow the task: fetch them again whenever its progress or status moves
  // (this also picks up the final state once polling stops).
  const client = useQueryClient();
  const progressKey = `${task.status}:${task.experiments_done}:${task.best_experiment_id}`;
  const seen = useRef(progressKey);
  useEffect(() => {
    if (seen.current === progressKey) return;
    seen.current = progressKey;
    void client.invalidateQueries({ queryKey: taskKeys.experiments(task.id) });
  }, [client, progressKey, task.id]);

  const logSource: LogSource | null =
    logTarget?.kind === 'task'
      ? { kind: 'task', task }
      : logTarget?.kind === 'experiment'
        ? (() => {
            const experiment = list.find((e) => e.id === logTarget.id);
            return experiment ? { kind: 'experiment', experiment } : null;
          })()
        : null;
  const saving = saveId === null ? null : (list.find((e) => e.id === saveId) ?? null);

  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} to="/tasks" size="sm">
          Tasks
        </Anchor>
        <Text size="sm">#{task.id}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Group gap="sm">
            <Title order={2}>{task.task_name}</Title>
            <Badge
              color={STATUS_COLORS[task.status] ?? 'gray'}
              variant="light"
              size="lg"
              data-testid="task-status"
              leftSection={running ? <Loader size={12} color={STATUS_COLORS.running} /> : undefined}
            >
              {task.status}
            </Badge>
            <Badge size="lg" variant="outline" color="indigo" data-testid="task-combinations">
              {task.combinations} {task.combinations === 1 ? 'combination' : 'combinations'}
            </Badge>
          </Group>
          {task.description && (
            <Text c="dimmed" size="sm" mt={4} maw={760}>
              {task.description}
            </Text>
          )}
        </div>
        <TaskRunControls task={task} />
      </Group>

      {(task.warnings ?? []).map((w) => (
        <Text key={w} size="sm" c="orange.8">
          {w}
        </Text>
      ))}

      <Paper withBorder p="lg" shadow="xs">
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="lg">
          <Field label="Model">
            <Code>{task.model?.id_or_path}</Code>
          </Field>
          <Field label="Runtime">{task.base_runtime} · {task.deployment_mode}</Field>
          <Field label="Optimization">
            {strategy} · {objective}
          </Field>
          <Field label="Budget">
            {task.optimization?.max_iterations} iterations · {task.optimization?.timeout_per_iteration} s each
          </Field>
          <Field label="Traffic">{task.benchmark?.traffic_scenarios?.join(', ')}</Field>
          <Field label="Concurrency">{task.benchmark?.concurrency?.join(', ')}</Field>
          <Field label="SLOs">
            {task.slo && Object.entries(task.slo).filter(([, v]) => v).length
              ? Object.entries(task.slo)
                  .filter(([, v]) => v)
                  .map(([k, v]) => `${k} ${v!.percentile} ≤ ${v!.max_ms} ms${v!.hard ? ' (hard)' : ''}`)
                  .join(' · ')
              : 'none'}
          </Field>
          <Field label="Created">{fullDate(task.created_at)}</Field>
        </SimpleGrid>
      </Paper>

      <RunProgress task={task} experiments={list} best={best} onShowTaskLog={() => setLogTarget({ kind: 'task' })} />

      {experiments.isError && <ApiErrorAlert error={experiments.error} title="The experiments could not be loaded" />}

      {list.length > 0 && (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          <Paper withBorder p="lg" shadow="xs">
            <Group gap={8} mb="sm">
              <IconChartDots size={20} color="var(--mantine-color-indigo-6)" />
              <Title order={4}>Score per experiment</Title>
            </Group>
            <ScoreChart
              experiments={list}
              bestId={best?.id ?? null}
              scoreLabel={SCORE_LABELS[task.optimization?.objective ?? ''] ?? 'Score'}
            />
          </Paper>
          <Paper withBorder p="lg" shadow="xs">
            <Group justify="space-between" mb="sm" wrap="nowrap">
              <Group gap={8}>
                <IconTrophy size={20} color="var(--mantine-color-teal-6)" />
                <Title order={4}>Best configuration vs baseline</Title>
              </Group>
              {best && best.status === 'succeeded' && (
                <Button
                  size="xs"
                  color="teal"
                  leftSection={<IconBookmarkPlus size={14} />}
                  onClick={() => setSaveId(best.id)}
                  data-testid="save-best"
                >
                  Save best as preset
                </Button>
              )}
            </Group>
            <BestVsBaseline best={best} baseline={baseline} />
          </Paper>
        </SimpleGrid>
      )}

      <Paper withBorder p="lg" shadow="xs">
        <Group justify="space-between" mb="sm">
          <Group gap={8}>
            <IconFlask size={20} color="var(--mantine-color-indigo-6)" />
            <Title order={4}>Experiments</Title>
            {list.length > 0 && (
              <Badge variant="light" color="gray" data-testid="experiment-count">
                {list.length}
              </Badge>
            )}
          </Group>
          {running && (
            <Text size="xs" c="dimmed">
              Updates live while the task runs.
            </Text>
          )}
        </Group>
        {experiments.isPending ? (
          <Stack gap="xs">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} height={40} />
            ))}
          </Stack>
        ) : list.length === 0 ? (
          <EmptyState
            py="lg"
            variant="light"
            icon={<IconFlask size={26} />}
            title={running ? 'The first experiment is starting' : 'No experiments yet'}
            description={
              running
                ? 'Its engine is being launched; results appear here as each experiment finishes.'
                : 'Start the task: each experiment launches the engine with one combination and benchmarks it.'
            }
          />
        ) : (
          <ExperimentsTable
            experiments={list}
            bestId={best?.id ?? null}
            onShowLog={(e) => setLogTarget({ kind: 'experiment', id: e.id })}
            onSaveAsPreset={(e) => setSaveId(e.id)}
          />
        )}
      </Paper>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Paper withBorder p="lg" shadow="xs" data-testid="task-parameters">
          <Group gap={8} mb="md">
            <IconAdjustments size={20} color="var(--mantine-color-indigo-6)" />
            <Title order={4}>Parameters</Title>
          </Group>
          <Table withRowBorders verticalSpacing="xs" aria-label="Task parameters">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Flag</Table.Th>
                <Table.Th>Values</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {params.map(([name, values]) => (
                <Table.Tr key={name} data-testid="task-parameter" data-name={name}>
                  <Table.Td>
                    <Text ff="monospace" size="sm">
                      {name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text ff="monospace" size="sm" data-testid="task-parameter-values">
                      {JSON.stringify(values)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {overridden.has(name) && (
                      <Badge size="xs" color="orange" variant="light">
                        fine-tuned
                      </Badge>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Code block mt="md" fz="xs">
            {compactJson(task.parameters)}
          </Code>
        </Paper>

        <Paper withBorder p="lg" shadow="xs" data-testid="task-sources">
          <Group gap={8} mb="md">
            <IconStack2 size={20} color="var(--mantine-color-indigo-6)" />
            <Title order={4}>Where the parameters came from</Title>
          </Group>
          {provenance && provenance.presets.length > 0 ? (
            <Timeline active={provenance.presets.length + (overrides.length ? 1 : 0)} bulletSize={22} lineWidth={2}>
              {provenance.presets.map((p, i) => (
                <Timeline.Item
                  key={`${p.id}-${i}`}
                  bullet={<Text size="xs">{i + 1}</Text>}
                  title={
                    <Text fw={600} size="sm" data-testid="task-source">
                      {p.name}
                    </Text>
                  }
                >
                  <ParameterChips space={p.parameters} max={6} />
                </Timeline.Item>
              ))}
              <Timeline.Item bullet={<Text size="xs">∪</Text>} title={<Text size="sm" fw={600}>Merged with {MERGE_LABELS[provenance.merge_strategy] ?? provenance.merge_strategy}</Text>}>
                <Text size="xs" c="dimmed">
                  Presets applied in the order shown.
                </Text>
              </Timeline.Item>
              {overrides.length > 0 && (
                <Timeline.Item
                  bullet={<IconAdjustments size={12} />}
                  title={
                    <Text size="sm" fw={600}>
                      Fine-tuned by hand
                    </Text>
                  }
                >
                  <Stack gap={2}>
                    {overrides.map(([name, values]) => (
                      <Text key={name} size="xs" ff="monospace">
                        {name}: {formatValues(values)}
                      </Text>
                    ))}
                  </Stack>
                </Timeline.Item>
              )}
            </Timeline>
          ) : (
            <Text size="sm" c="dimmed">
              Entered by hand: this task uses no presets.
            </Text>
          )}
        </Paper>
      </SimpleGrid>
      <ExperimentLogDrawer source={logSource} onClose={() => setLogTarget(null)} />
      <SaveAsPresetModal task={task} experiment={saving} isBest={saving !== null && saving.id === best?.id} onClose={() => setSaveId(null)} />
    </Stack>
  );
}

function RunProgress({
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
  const planned = Math.min(task.combinations, task.optimization?.max_iterations ?? task.combinations);
  const total = task.experiments_total ?? planned;
  const done = task.experiments_done;
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const active = experiments.find((e) => ACTIVE_EXPERIMENT.has(e.status));
  const running = task.status === 'running';

  let line: React.ReactNode;
  if (task.status === 'pending' && done === 0) {
    line = `Not started. Start runs up to ${planned} ${planned === 1 ? 'experiment' : 'experiments'} (${STRATEGIES.find((s) => s.value === task.optimization?.strategy)?.label ?? 'search'}).`;
  } else if (running && task.cancel_requested) {
    line = 'Cancelling: the running engine is being stopped.';
  } else if (running) {
    line = active
      ? `Experiment #${active.sequence} is ${active.status === 'pending' ? 'queued' : active.status}: ${parameterPairs(active.parameters)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      : 'Waiting for the worker to pick the next combination…';
  } else if (task.status === 'completed') {
    line = `Completed${task.stop_reason ? `: ${task.stop_reason}` : ''}.`;
  } else if (task.status === 'cancelled') {
    line = `Cancelled${task.stop_reason ? `: ${task.stop_reason}` : ''}.`;
  } else {
    line = task.stop_reason ?? '';
  }

  return (
    <Paper withBorder p="lg" shadow="xs" data-testid="task-run">
      <Group justify="space-between" align="flex-start" mb="sm" wrap="wrap">
        <div>
          <Group gap={8}>
            <IconActivity size={20} color="var(--mantine-color-indigo-6)" />
            <Title order={4}>Progress</Title>
          </Group>
          <Text size="sm" c="dimmed" mt={4} data-testid="run-status-line">
            {line}
          </Text>
        </div>
        <Group gap="xl" align="flex-start">
          <div>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
              Experiments
            </Text>
            <Text fw={700} size="xl" data-testid="task-progress">
              {done} <Text span c="dimmed" fw={500} size="md">of {total}</Text>
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
        color={task.status === 'failed' ? 'red' : task.status === 'cancelled' ? 'orange' : task.status === 'completed' ? 'teal' : 'indigo'}
        striped={running}
        animated={running}
        aria-label={`${done} of ${total} experiments done`}
      />
      {task.status === 'failed' && task.error_message && (
        <Alert color="red" variant="light" mt="md" icon={<IconAlertTriangle size={18} />} title="The task failed">
          {task.error_message}
        </Alert>
      )}
    </Paper>
  );
}
