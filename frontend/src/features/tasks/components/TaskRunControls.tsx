/**
 * Start, Continue search, Run again and Cancel for a task, with confirmations where an action is
 * not obvious. Continue is offered only while the search has combinations left to try; a task
 * that tried them all offers Run again (a fresh run) and says why it cannot continue.
 */
import { Alert, Button, Group, Modal, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlayerPlay, IconPlayerStop, IconRefresh, IconRepeat } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import { useCancelTask, useRestartTask, useStartTask } from '../api/taskService';
import type { Task } from '../types/task';

type RunState = Pick<Task, 'status' | 'cancel_requested' | 'experiments_done' | 'experiments_total'>;

/** Which run actions a task offers. */
export function runActions(task: RunState) {
  const finished = task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled';
  const searchLeft = task.experiments_total == null || task.experiments_done < task.experiments_total;
  const fresh = task.status === 'pending' && task.experiments_done === 0;
  return {
    /** Start a new task, or continue a search that has combinations left. */
    canStart: fresh || ((finished || task.status === 'pending') && searchLeft),
    startLabel: fresh ? 'Start' : 'Continue search',
    /** A fresh run: the experiments and logs are cleared first. */
    canRunAgain: finished,
    canCancel: task.status === 'running',
    cancelling: task.status === 'running' && !!task.cancel_requested,
    /** Why Continue is not offered, when the search has nothing left to try. */
    exhausted: finished && !searchLeft,
    /** Continuing a completed task asks first. */
    confirmStart: task.status === 'completed',
  };
}

export function TaskRunControls({ task }: { task: Task }) {
  const start = useStartTask();
  const restart = useRestartTask();
  const cancel = useCancelTask();
  const [confirm, setConfirm] = useState<'start' | 'restart' | 'cancel' | null>(null);
  const actions = runActions(task);
  const busy = start.isPending || restart.isPending || cancel.isPending;
  const failure = start.error ?? restart.error ?? cancel.error;
  const resetAll = () => [start, restart, cancel].forEach((m) => m.reset());

  const doStart = () => {
    resetAll();
    start.mutate(task.id, {
      onSuccess: () => notifications.show({ color: 'blue', title: 'Task started', message: `“${task.task_name}” is running.` }),
      onSettled: () => setConfirm(null),
    });
  };
  const doRestart = () => {
    resetAll();
    restart.mutate(task.id, {
      onSuccess: () => notifications.show({ color: 'blue', title: 'Running again', message: `“${task.task_name}” started a fresh run.` }),
      onSettled: () => setConfirm(null),
    });
  };
  const doCancel = () => {
    resetAll();
    cancel.mutate(task.id, {
      onSuccess: () =>
        notifications.show({ color: 'orange', title: 'Cancelling', message: `“${task.task_name}” stops after its engine is shut down.` }),
      onSettled: () => setConfirm(null),
    });
  };

  return (
    <Stack gap={6} align="flex-end" maw="100%">
      <Group gap="sm" wrap="wrap" justify="flex-end">
        {actions.canStart && (
          <Tooltip
            label={actions.startLabel === 'Start' ? 'Launch the engine for each combination and benchmark it' : 'Continue from the recorded experiments; they are not run again'}
            withArrow
          >
            <Button
              leftSection={actions.startLabel === 'Start' ? <IconPlayerPlay size={16} /> : <IconRefresh size={16} />}
              onClick={() => (actions.confirmStart ? setConfirm('start') : doStart())}
              loading={start.isPending}
              disabled={busy}
              data-testid="start-task"
            >
              {actions.startLabel}
            </Button>
          </Tooltip>
        )}
        {actions.canRunAgain && (
          <Button
            variant={actions.canStart ? 'default' : 'filled'}
            leftSection={<IconRepeat size={16} />}
            onClick={() => setConfirm('restart')}
            loading={restart.isPending}
            disabled={busy}
            data-testid="restart-task"
          >
            Run again
          </Button>
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
      {actions.exhausted && !failure && (
        <Text size="xs" c="dimmed" maw={360} ta="right" data-testid="cannot-continue">
          Every planned experiment has run ({task.experiments_done} of {task.experiments_total}), so the search cannot continue:
          Run again starts a fresh run.
        </Text>
      )}
      {failure && (
        <Alert color="red" variant="light" p="xs" maw={420} role="alert" data-testid="run-error">
          <Text size="sm">{errorMessage(failure)}</Text>
        </Alert>
      )}

      <Modal opened={confirm === 'cancel'} onClose={() => setConfirm(null)} title={<Text fw={650}>Cancel “{task.task_name}”?</Text>}>
        <Text size="sm">
          The engine of the running experiment is stopped and that experiment is marked cancelled. Finished experiments are kept,
          and “Continue search” picks up from them later.
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

      <Modal opened={confirm === 'start'} onClose={() => setConfirm(null)} title={<Text fw={650}>Continue “{task.task_name}”?</Text>}>
        <Text size="sm">
          The task completed after {task.experiments_done} experiments. Continuing replays them into the search and runs only
          combinations it has not tried.
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

      <Modal opened={confirm === 'restart'} onClose={() => setConfirm(null)} title={<Text fw={650}>Run “{task.task_name}” again?</Text>}>
        <Text size="sm">
          A fresh run deletes this task's {task.experiments_done} recorded experiments and its logs, then searches the space from the
          start. Save any result you want to keep as a preset first.
        </Text>
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={() => setConfirm(null)}>
            Not now
          </Button>
          <Button onClick={doRestart} loading={restart.isPending} data-testid="confirm-restart">
            Run again
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
