import { Anchor, EmptyState, Skeleton, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { TaskView, useTask } from '../features/tasks';
import { paths } from '../routes';

export function TaskDetailPage() {
  const { taskId } = useParams();
  const task = useTask(Number(taskId));

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
            <Anchor component={Link} to={paths.tasks}>
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
