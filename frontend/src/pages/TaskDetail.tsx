import {
  Anchor,
  Badge,
  Breadcrumbs,
  Code,
  EmptyState,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { IconAdjustments, IconAlertTriangle, IconStack2 } from '@tabler/icons-react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { ParameterChips } from '../components/ParameterChips';
import { fullDate } from '../lib/dates';
import { compactJson, formatValues, leaves } from '../lib/parameterSpace';
import { useTask } from '../services/taskService';
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

function TaskView({ task }: { task: Task }) {
  const provenance = task.provenance;
  const params = leaves(task.parameters);
  const overrides = provenance?.overrides ? leaves(provenance.overrides) : [];
  const overridden = new Set(overrides.map(([name]) => name));
  const objective = OBJECTIVES.find((o) => o.value === task.optimization?.objective)?.label ?? task.optimization?.objective;
  const strategy = STRATEGIES.find((s) => s.value === task.optimization?.strategy)?.label ?? task.optimization?.strategy;

  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} to="/tasks" size="sm">
          Tasks
        </Anchor>
        <Text size="sm">#{task.id}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={2}>{task.task_name}</Title>
            <Badge color={STATUS_COLORS[task.status] ?? 'gray'} variant="light" size="lg" data-testid="task-status">
              {task.status}
            </Badge>
          </Group>
          {task.description && (
            <Text c="dimmed" size="sm" mt={4}>
              {task.description}
            </Text>
          )}
        </div>
        <Badge size="lg" variant="outline" color="indigo" data-testid="task-combinations">
          {task.combinations} {task.combinations === 1 ? 'combination' : 'combinations'}
        </Badge>
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
    </Stack>
  );
}
