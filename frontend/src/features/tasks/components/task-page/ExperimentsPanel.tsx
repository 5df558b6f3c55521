import { Badge, EmptyState, Group, Skeleton, Stack, Text } from '@mantine/core';
import { IconFlask } from '@tabler/icons-react';
import { Section } from '../../../../components/Section';
import type { Experiment } from '../../types/task';
import { ExperimentsTable } from '../ExperimentsTable';

export function ExperimentsPanel({
  experiments,
  loading,
  running,
  bestId,
  onShowLog,
  onSaveAsPreset,
}: {
  experiments: Experiment[];
  loading: boolean;
  running: boolean;
  bestId: number | null;
  onShowLog: (experiment: Experiment) => void;
  onSaveAsPreset: (experiment: Experiment) => void;
}) {
  return (
    <Section
      title={
        <Group gap={8} component="span">
          Experiments
          {experiments.length > 0 && (
            <Badge variant="light" color="gray" data-testid="experiment-count">
              {experiments.length}
            </Badge>
          )}
        </Group>
      }
      icon={<IconFlask size={20} color="var(--mantine-color-indigo-6)" />}
      actions={
        running && (
          <Text size="xs" c="dimmed">
            Updates live while the task runs.
          </Text>
        )
      }
    >
      {loading ? (
        <Stack gap="xs">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} height={40} />
          ))}
        </Stack>
      ) : experiments.length === 0 ? (
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
        <ExperimentsTable experiments={experiments} bestId={bestId} onShowLog={onShowLog} onSaveAsPreset={onSaveAsPreset} />
      )}
    </Section>
  );
}
