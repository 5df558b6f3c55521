import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import type { Task } from '../../types/task';
import { TaskStatusBadge } from '../StatusBadges';
import { TaskRunControls } from '../TaskRunControls';

/** The task's name, status, size and run controls; they wrap onto new lines rather than clip. */
export function TaskHeader({ task }: { task: Task }) {
  return (
    <Stack gap="xs">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <div style={{ minWidth: 0, flex: '1 1 28rem' }}>
          <Group gap="sm" wrap="wrap">
            <Title order={2} className="wrap-anywhere">
              {task.task_name}
            </Title>
            <TaskStatusBadge status={task.status} size="lg" testId="task-status" />
            <Badge size="lg" variant="outline" color="indigo" data-testid="task-combinations" styles={{ root: { flexShrink: 0 } }}>
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
    </Stack>
  );
}
