import { Anchor, Badge, Button, EmptyState, Group, Loader, Paper, Progress, SegmentedControl, Skeleton, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconListDetails, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { fullDate, relativeTime } from '../lib/dates';
import { useTasks } from '../services/taskService';
import { STATUS_COLORS, type Task, type TaskStatus } from '../types/task';

/** Experiments done of planned, as a thin bar; "not started" before the first run. */
export function TaskProgress({ task }: { task: Task }) {
  const planned = Math.min(task.combinations, task.optimization?.max_iterations ?? task.combinations);
  const total = task.experiments_total ?? planned;
  const done = task.experiments_done;
  if (task.status === 'pending' && done === 0) {
    return (
      <Text size="xs" c="dimmed">
        not started
      </Text>
    );
  }
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const color = task.status === 'failed' ? 'red' : task.status === 'cancelled' ? 'orange' : task.status === 'completed' ? 'teal' : 'indigo';
  return (
    <Stack gap={4} w={140}>
      <Text size="xs" fw={600} data-testid="task-row-progress">
        {done} / {total}
        <Text span size="xs" c="dimmed" fw={400}>
          {' '}
          experiments
        </Text>
      </Text>
      <Progress value={pct} size="sm" color={color} striped={task.status === 'running'} animated={task.status === 'running'} aria-label={`${done} of ${total} experiments done`} />
    </Stack>
  );
}

const FILTERS = ['all', 'pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export function TasksPage() {
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('all');
  const tasks = useTasks(filter === 'all' ? undefined : (filter as TaskStatus));
  const rows = tasks.data ?? [];

  return (
    <>
      <PageHeader
        title="Tuning tasks"
        description="Every task, how far its search has got, and where its parameters came from."
        actions={
          <Button component={Link} to="/tasks/new" leftSection={<IconPlus size={16} />}>
            New task
          </Button>
        }
      />
      <Paper withBorder p="md" shadow="xs">
        <SegmentedControl
          mb="md"
          size="xs"
          value={filter}
          onChange={(v) => setFilter(v as typeof filter)}
          data={FILTERS.map((f) => ({ value: f, label: f[0].toUpperCase() + f.slice(1) }))}
        />
        {tasks.isPending ? (
          <Stack gap="xs">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} height={44} />
            ))}
          </Stack>
        ) : tasks.isError ? (
          <ApiErrorAlert error={tasks.error} title="The tasks could not be loaded" />
        ) : rows.length === 0 ? (
          <EmptyState
            py="xl"
            icon={<IconListDetails size={26} />}
            variant="light"
            title={filter === 'all' ? 'No tasks yet' : `No ${filter} tasks`}
            description="Create a task from presets or from your own parameter space."
          >
            <EmptyState.Actions>
              <Button component={Link} to="/tasks/new">
                Create a task
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Tasks">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Task</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Progress</Table.Th>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Runtime</Table.Th>
                  <Table.Th>Sources</Table.Th>
                  <Table.Th>Combinations</Table.Th>
                  <Table.Th>Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((task) => (
                  <Table.Tr key={task.id} data-testid="task-row" data-task-name={task.task_name}>
                    <Table.Td>
                      <Anchor component={Link} to={`/tasks/${task.id}`} fw={600} size="sm">
                        {task.task_name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        #{task.id}
                      </Text>
                    </Table.Td>
                    <Table.Td miw={120}>
                      <Badge
                        color={STATUS_COLORS[task.status] ?? 'gray'}
                        variant="light"
                        data-testid="task-row-status"
                        leftSection={task.status === 'running' ? <Loader size={10} color={STATUS_COLORS.running} /> : undefined}
                      >
                        {task.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td miw={150}>
                      <TaskProgress task={task} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {task.model?.id_or_path}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{task.base_runtime}</Text>
                    </Table.Td>
                    <Table.Td>
                      {task.provenance?.presets?.length ? (
                        <Group gap={4}>
                          {task.provenance.presets.map((p) => (
                            <Badge key={p.id} variant="default" tt="none" size="sm">
                              {p.name}
                            </Badge>
                          ))}
                        </Group>
                      ) : (
                        <Text size="xs" c="dimmed">
                          manual
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{task.combinations}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={fullDate(task.created_at)}>
                        <Text size="sm" c="dimmed">
                          {relativeTime(task.created_at)}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
    </>
  );
}
