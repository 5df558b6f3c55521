/** Start (or continue) and Cancel for a task, with confirmations where an action is not obvious. */
import { Button, Group, Modal, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlayerPlay, IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { useCancelTask, useStartTask } from '../services/taskService';
import type { Task, TaskStatus } from '../types/task';

/** Which run actions a task in `status` offers. */
export function runActions(status: TaskStatus, cancelRequested = false) {
  return {
    canStart: status !== 'running',
    /** Start on a task that ran before continues its search from the recorded experiments. */
    startLabel: status === 'pending' ? 'Start' : 'Continue search',
    canCancel: status === 'running',
    cancelling: status === 'running' && cancelRequested,
    /** Continuing a completed task, or cancelling a running one, asks first. */
    confirmStart: status === 'completed',
  };
}

export function TaskRunControls({ task }: { task: Task }) {
  const start = useStartTask();
  const cancel = useCancelTask();
  const [confirm, setConfirm] = useState<'start' | 'cancel' | null>(null);
  const actions = runActions(task.status, task.cancel_requested);
  const busy = start.isPending || cancel.isPending;
  const failure = start.error ?? cancel.error;

  const doStart = () => {
    cancel.reset();
    start.mutate(task.id, {
      onSuccess: () => notifications.show({ color: 'blue', title: 'Task started', message: `“${task.task_name}” is running.` }),
      onError: (error) => notifications.show({ color: 'red', title: 'Not started', message: errorMessage(error), autoClose: 8000 }),
      onSettled: () => setConfirm(null),
    });
  };
  const doCancel = () => {
    start.reset();
    cancel.mutate(task.id, {
      onSuccess: () =>
        notifications.show({ color: 'orange', title: 'Cancelling', message: `“${task.task_name}” stops after its engine is shut down.` }),
      onError: (error) => notifications.show({ color: 'red', title: 'Not cancelled', message: errorMessage(error), autoClose: 8000 }),
      onSettled: () => setConfirm(null),
    });
  };

  return (
    <Stack gap={6} align="flex-end">
      <Group gap="sm">
        {actions.canStart && (
          <Tooltip
            label={
              task.status === 'pending'
                ? 'Launch the engine for each combination and benchmark it'
                : 'Continue from the recorded experiments; they are not run again'
            }
            withArrow
          >
            <Button
              leftSection={task.status === 'pending' ? <IconPlayerPlay size={16} /> : <IconRefresh size={16} />}
              onClick={() => (actions.confirmStart ? setConfirm('start') : doStart())}
              loading={start.isPending}
              disabled={busy}
              data-testid="start-task"
            >
              {actions.startLabel}
            </Button>
          </Tooltip>
        )}
        {actions.canCancel && (
          <Button
            color="red"
            variant="light"
            leftSection={<IconPlayerStop size={16} />}
            onClick={() => setConfirm('cancel')}
            loading={cancel.isPending}
            disabled={busy || actions.cancelling}
            data-testid="cancel-task"
          >
            {actions.cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        )}
      </Group>
      {failure && (
        <Text size="sm" c="red.7" role="alert" maw={420} ta="right" data-testid="run-error">
          {errorMessage(failure)}
        </Text>
      )}

      <Modal
        opened={confirm === 'cancel'}
        onClose={() => setConfirm(null)}
        title={<Text fw={650}>Cancel “{task.task_name}”?</Text>}
      >
        <Text size="sm">
          The engine of the running experiment is stopped and that experiment is marked cancelled. Finished experiments
          are kept, and “Continue search” picks up from them later.
        </Text>
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={() => setConfirm(null)}>
            Keep running
          </Button>
          <Button color="red" onClick={doCancel} loading={cancel.isPending}>
            Cancel task
          </Button>
        </Group>
      </Modal>

      <Modal
        opened={confirm === 'start'}
        onClose={() => setConfirm(null)}
        title={<Text fw={650}>Continue “{task.task_name}”?</Text>}
      >
        <Text size="sm">
          The task completed after {task.experiments_done} experiments. Continuing replays them into the search and runs
          only combinations it has not tried; when none is left, the task completes again at once.
        </Text>
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={() => setConfirm(null)}>
            Not now
          </Button>
          <Button onClick={doStart} loading={start.isPending}>
            Continue search
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
