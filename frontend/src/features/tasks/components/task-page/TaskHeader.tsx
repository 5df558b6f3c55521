import { Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconShare } from '@tabler/icons-react';
import { useState } from 'react';
import { canEdit, canShare, OwnerLine, ShareDialog, useViewer } from '../../../auth';
import { useShareTask } from '../../api/taskService';
import type { Task } from '../../types/task';
import { TaskStatusBadge } from '../StatusBadges';
import { TaskRunControls } from '../TaskRunControls';

/** The task's name, status, size and run controls; they wrap onto new lines rather than clip. */
export function TaskHeader({ task }: { task: Task }) {
  const { viewer } = useViewer();
  const [sharing, setSharing] = useState(false);
  const share = useShareTask();
  const shareable = viewer.mode === 'signed-in' && canShare(viewer, task);
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
          <OwnerLine object={task} />
          {task.description && (
            <Text c="dimmed" size="sm" mt={4} maw={760}>
              {task.description}
            </Text>
          )}
        </div>
        <Group gap="sm" wrap="wrap">
          {shareable && (
            <Button variant="default" leftSection={<IconShare size={16} />} onClick={() => setSharing(true)}>
              Share
            </Button>
          )}
          {canEdit(viewer, task) ? (
            <TaskRunControls task={task} />
          ) : (
            <Badge size="lg" variant="light" color="gray" data-testid="read-only">
              Read only
            </Badge>
          )}
        </Group>
      </Group>
      <ShareDialog
        object={sharing ? { ...task, name: task.task_name } : null}
        kind="task"
        onClose={() => setSharing(false)}
        onSave={async (body) => {
          await share.mutateAsync({ id: task.id, sharing: body });
          notifications.show({ color: 'teal', title: 'Sharing saved', message: `“${task.task_name}” is now ${body.visibility}.` });
        }}
      />
      {(task.warnings ?? []).map((w) => (
        <Text key={w} size="sm" c="orange.8">
          {w}
        </Text>
      ))}
    </Stack>
  );
}
