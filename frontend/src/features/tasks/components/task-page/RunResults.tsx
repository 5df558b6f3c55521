import { Button, Group, Paper, SimpleGrid, Title } from '@mantine/core';
import { IconBookmarkPlus, IconChartDots, IconTrophy } from '@tabler/icons-react';
import { OBJECTIVES } from '../../../../api/enums';
import type { Experiment, Task } from '../../types/task';
import { BestVsBaseline } from '../BestVsBaseline';
import { ScoreChart } from '../ScoreChart';

/** The score chart beside the best configuration compared with the baseline. */
export function RunResults({
  task,
  experiments,
  best,
  baseline,
  onSaveBest,
}: {
  task: Task;
  experiments: Experiment[];
  best: Experiment | null;
  baseline: Experiment | null;
  onSaveBest: (id: number) => void;
}) {
  const objective = task.optimization?.objective;
  const scoreLabel = objective ? (OBJECTIVES[objective]?.score ?? 'Score') : 'Score';
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
      <Paper withBorder p="lg" shadow="xs">
        <Group gap={8} mb="sm">
          <IconChartDots size={20} color="var(--mantine-color-indigo-6)" />
          <Title order={4}>Score per experiment</Title>
        </Group>
        <ScoreChart experiments={experiments} bestId={best?.id ?? null} scoreLabel={scoreLabel} />
      </Paper>
      <Paper withBorder p="lg" shadow="xs">
        <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
          <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
            <IconTrophy size={20} color="var(--mantine-color-teal-6)" style={{ flexShrink: 0 }} />
            <Title order={4}>
              Best configuration vs baseline
            </Title>
          </Group>
          {best && best.status === 'succeeded' && (
            <Button
              size="xs"
              color="teal"
              leftSection={<IconBookmarkPlus size={14} />}
              onClick={() => onSaveBest(best.id)}
              data-testid="save-best"
              style={{ flexShrink: 0 }}
            >
              Save best as preset
            </Button>
          )}
        </Group>
        <BestVsBaseline best={best} baseline={baseline} />
      </Paper>
    </SimpleGrid>
  );
}
