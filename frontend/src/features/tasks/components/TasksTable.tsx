/**
 * Every task with its status and progress, in columns that share the card's width; below
 * 1200 px the model and runtime move under the task's name instead of widening the table.
 */
import { Anchor, Group, Progress, Stack, Table, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router-dom';
import { labelOf, RUNTIMES } from '../../../api/enums';
import { ParamChip } from '../../../components/ParameterChips';
import { fullDate, relativeTime } from '../../../lib/dates';
import { paths } from '../../../routes';
import type { Task } from '../types/task';
import { plannedExperiments, progressColor } from './task-page/RunProgress';
import { TaskStatusBadge } from './StatusBadges';

/** Experiments done of planned, as a thin bar; "not started" before the first run. */
export function TaskProgress({ task }: { task: Task }) {
  const { total } = plannedExperiments(task);
  const done = task.experiments_done;
  if (task.status === 'pending' && done === 0) {
    return (
      <Text size="xs" c="dimmed">
        not started
      </Text>
    );
  }
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  return (
    <Stack gap={4}>
      <Text size="xs" fw={600} data-testid="task-row-progress">
        {done} / {total}
        <Text span size="xs" c="dimmed" fw={400}>
          {' '}
          experiments
        </Text>
      </Text>
      <Progress
        value={pct}
        size="sm"
        color={progressColor(task)}
        striped={task.status === 'running'}
        animated={task.status === 'running'}
        aria-label={`${done} of ${total} experiments done`}
      />
    </Stack>
  );
}

function Sources({ task }: { task: Task }) {
  if (!task.provenance?.presets?.length) {
    return (
      <Text size="xs" c="dimmed">
        manual
      </Text>
    );
  }
  return (
    <Group gap={4}>
      {task.provenance.presets.map((p) => (
        <ParamChip key={p.id}>{p.name}</ParamChip>
      ))}
    </Group>
  );
}

export function TasksTable({ tasks }: { tasks: Task[] }) {
  return (
    <Table verticalSpacing="sm" highlightOnHover aria-label="Tasks" className="fit-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="24%">Task</Table.Th>
          <Table.Th w={124}>Status</Table.Th>
          <Table.Th w={140}>Progress</Table.Th>
          <Table.Th w="20%" visibleFrom="lg">
            Model
          </Table.Th>
          <Table.Th>Sources</Table.Th>
          <Table.Th w={96}>Created</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {tasks.map((task) => (
          <Table.Tr key={task.id} data-testid="task-row" data-task-name={task.task_name}>
            <Table.Td>
              <Anchor component={Link} to={paths.task(task.id)} fw={600} size="sm" className="wrap-anywhere">
                {task.task_name}
              </Anchor>
              <Text size="xs" c="dimmed" data-testid="task-row-size">
                #{task.id} · {task.combinations} {task.combinations === 1 ? 'combination' : 'combinations'}
              </Text>
              <Text size="xs" c="dimmed" hiddenFrom="lg" className="wrap-anywhere">
                {task.model?.id_or_path} · {labelOf(RUNTIMES, task.base_runtime)}
              </Text>
            </Table.Td>
            <Table.Td>
              <TaskStatusBadge status={task.status} testId="task-row-status" />
            </Table.Td>
            <Table.Td>
              <TaskProgress task={task} />
            </Table.Td>
            <Table.Td visibleFrom="lg">
              <Text size="sm" ff="monospace">
                {task.model?.id_or_path}
              </Text>
              <Text size="xs" c="dimmed">
                {labelOf(RUNTIMES, task.base_runtime)}
              </Text>
            </Table.Td>
            <Table.Td>
              <Sources task={task} />
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
  );
}
