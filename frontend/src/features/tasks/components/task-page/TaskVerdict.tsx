/** What the scores say once noise is counted: the server's verdict, its tied configurations and the measured noise. */
import { Badge, Button, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconBookmarkPlus, IconScale } from '@tabler/icons-react';
import { ParamChip } from '../../../../components/ParameterChips';
import { formatMetric, parameterPairs } from '../../lib/experimentMetrics';
import { formatNoise, formatStats, VERDICT_KIND } from '../../lib/trust';
import type { Experiment, Task } from '../../types/task';

export function TaskVerdict({
  task,
  experiments,
  onSave,
}: {
  task: Task;
  experiments: Experiment[];
  onSave: (id: number) => void;
}) {
  const verdict = task.verdict;
  if (!verdict) return null;
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const kind = VERDICT_KIND[verdict.kind];
  const best = verdict.best_experiment_id != null ? byId.get(verdict.best_experiment_id) : undefined;
  const tied = verdict.kind === 'tied' ? verdict.tied_experiment_ids.map((id) => byId.get(id)).filter((e): e is Experiment => !!e) : [];
  const noise = formatNoise(verdict.noise_cv);
  return (
    <Paper withBorder p="lg" shadow="xs" data-testid="task-verdict" data-kind={verdict.kind}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap={8} wrap="nowrap">
            <IconScale size={20} color="var(--mantine-color-indigo-6)" style={{ flexShrink: 0 }} />
            <Title order={4}>Verdict</Title>
            <Tooltip label={kind.explanation} multiline w={300} withArrow>
              <Badge color={kind.color} variant="light" data-testid="verdict-kind" styles={{ root: { maxWidth: 'none' } }}>
                {kind.label}
              </Badge>
            </Tooltip>
          </Group>
          <Group gap="md" wrap="wrap">
            <Text size="sm" c="dimmed" data-testid="verdict-noise">
              Measured noise:{' '}
              <Text span fw={600} c="var(--mantine-color-text)">
                {noise ?? 'unknown'}
              </Text>
              {noise && <Text span size="xs" c="dimmed"> (coefficient of variation of repeats)</Text>}
            </Text>
            {task.warm_start_used > 0 && (
              <Text size="sm" c="dimmed" data-testid="warm-start-used">
                Warm start: {task.warm_start_used} earlier experiment{task.warm_start_used === 1 ? '' : 's'} used
              </Text>
            )}
          </Group>
        </Group>
        <Text size="md" fw={500} data-testid="verdict-sentence">
          {verdict.sentence}
        </Text>
        {tied.length > 1 && (
          <Stack gap={4} data-testid="verdict-tied">
            <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
              Tied within noise: any of these is as good
            </Text>
            {tied.map((e) => (
              <Group key={e.id} gap={6} wrap="wrap" data-testid="tied-experiment" data-sequence={e.sequence}>
                <Text size="sm" fw={600} w={40}>
                  #{e.sequence}
                </Text>
                <Text size="sm" ff="monospace">
                  {e.score_stats ? formatStats(e.score_stats, formatMetric) : formatMetric(e.score)}
                </Text>
                {parameterPairs(e.parameters).map(([k, v]) => (
                  <ParamChip key={k}>
                    {k}: {v}
                  </ParamChip>
                ))}
              </Group>
            ))}
          </Stack>
        )}
        {best && best.status === 'succeeded' && (
          <Group gap={6} wrap="wrap" data-testid="verdict-best">
            <Text size="sm" c="dimmed">
              Best configuration #{best.sequence}
              {best.score_stats ? ` · ${formatStats(best.score_stats, formatMetric)}` : ''}:
            </Text>
            {parameterPairs(best.parameters).map(([k, v]) => (
              <ParamChip key={k}>
                {k}: {v}
              </ParamChip>
            ))}
            <Button
              size="compact-sm"
              color="teal"
              variant="light"
              ml="auto"
              leftSection={<IconBookmarkPlus size={14} />}
              onClick={() => onSave(best.id)}
              data-testid="verdict-save-best"
            >
              Save as preset
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
