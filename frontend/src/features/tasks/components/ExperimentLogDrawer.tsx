/** A drawer with the end of an engine log (or the task's log), monospace, kept scrolled to the end. */
import { Alert, Box, Code, Drawer, Group, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconTerminal2 } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { isActiveExperiment, useLog } from '../api/taskService';
import type { Experiment, Task } from '../types/task';
import { ExperimentStatusBadge } from './StatusBadges';

export type LogSource = { kind: 'experiment'; experiment: Experiment } | { kind: 'task'; task: Task };

interface Props {
  source: LogSource | null;
  onClose: () => void;
}

export function ExperimentLogDrawer({ source, onClose }: Props) {
  const live =
    source?.kind === 'experiment' ? isActiveExperiment(source.experiment) : source?.task.status === 'running';
  const log = useLog(
    source ? (source.kind === 'task' ? { kind: 'task', id: source.task.id } : { kind: 'experiment', id: source.experiment.id }) : null,
    !!live,
  );
  const box = useRef<HTMLPreElement>(null);

  // Keep the end of the log in view whenever it grows.
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log.data]);

  const title =
    source?.kind === 'experiment'
      ? `Experiment #${source.experiment.sequence} engine log`
      : source?.kind === 'task'
        ? `Task log: ${source.task.task_name}`
        : '';

  return (
    <Drawer
      opened={source !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Group gap={8} wrap="wrap">
          <IconTerminal2 size={18} />
          <Text fw={650} className="wrap-anywhere">
            {title}
          </Text>
          {source?.kind === 'experiment' && (
            <ExperimentStatusBadge status={source.experiment.status} />
          )}
          {live && <Loader size={14} aria-label="Following the log" />}
        </Group>
      }
    >
      {source && (
        <Stack gap="sm" data-testid="log-drawer">
          {source.kind === 'experiment' && source.experiment.command && (
            <div>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4} mb={4}>
                Command
              </Text>
              <Code block fz="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {source.experiment.command.join(' ')}
              </Code>
            </div>
          )}
          {source.kind === 'experiment' && source.experiment.error_message && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Why it failed">
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {source.experiment.error_message}
              </Text>
            </Alert>
          )}
          {log.isError ? (
            <ApiErrorAlert error={log.error} title="The log could not be read" />
          ) : (
            <Box
              component="pre"
              ref={box}
              data-testid="log-text"
              aria-label="Log text"
              tabIndex={0}
              m={0}
              p="sm"
              fz={12}
              ff="monospace"
              style={{
                background: 'var(--mantine-color-dark-8)',
                color: 'var(--mantine-color-gray-2)',
                borderRadius: 'var(--mantine-radius-md)',
                height: 'calc(100vh - 260px)',
                minHeight: 240,
                overflow: 'auto',
                whiteSpace: 'pre-wrap',
                wordBreak: 'break-word',
                lineHeight: 1.5,
              }}
            >
              {log.isPending ? 'Loading the log…' : log.data?.trim() ? log.data : 'The log is empty so far.'}
            </Box>
          )}
          {source.kind === 'experiment' && source.experiment.log_path && (
            <Text size="xs" c="dimmed" ff="monospace" className="wrap-anywhere">
              {source.experiment.log_path}
            </Text>
          )}
        </Stack>
      )}
    </Drawer>
  );
}
