/**
 * A task's experiments: parameters, status, score and key metrics, with log and save actions.
 * From 1408 px wide every metric has its column; below, they move into a details row under each
 * experiment, so the table always fits its card.
 */
import { ActionIcon, Badge, Button, Group, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconBookmarkPlus, IconFileText, IconTrophy } from '@tabler/icons-react';
import { ParamChip } from '../../../components/ParameterChips';
import { durationSeconds, formatMetric, keyMetrics, METRICS, parameterPairs } from '../lib/experimentMetrics';
import { groupRepeats } from '../lib/trust';
import type { Experiment } from '../types/task';
import { ExperimentStatusBadge } from './StatusBadges';

interface Props {
  experiments: Experiment[];
  bestId: number | null;
  onShowLog: (experiment: Experiment) => void;
  onSaveAsPreset: (experiment: Experiment) => void;
}

/** Where the metric columns show; below it, the details row does. */
const WIDE = 'xl';

function Metric({ value }: { value: number | null }) {
  return (
    <Text size="sm" ff="monospace" ta="right" c={value === null ? 'dimmed' : undefined}>
      {formatMetric(value)}
    </Text>
  );
}

function NumberHeader({ label, unit, w }: { label: string; unit?: string; w: number }) {
  return (
    <Table.Th ta="right" w={w} visibleFrom={WIDE}>
      {label}
      <Text size="xs" c="dimmed" fw={400} style={{ minHeight: '1.2em' }}>
        {unit ?? ''}
      </Text>
    </Table.Th>
  );
}

export function ExperimentsTable({ experiments, bestId, onShowLog, onSaveAsPreset }: Props) {
  // Each configuration's repeats follow their original, so its runs read together.
  const ordered = groupRepeats(experiments).flatMap((c) => [c.original, ...c.repeats]);
  const sequenceOf = new Map(experiments.map((e) => [e.id, e.sequence]));
  // The Node column shows only when experiments ran on a Ray cluster (--executor ray).
  const showNode = experiments.some((e) => e.node);
  return (
    <Table verticalSpacing="sm" aria-label="Experiments" data-testid="experiments-table" className="fit-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={84}>#</Table.Th>
          <Table.Th>Parameters</Table.Th>
          <Table.Th w={150}>Status</Table.Th>
          {showNode && <Table.Th w={110}>Node</Table.Th>}
          <Table.Th w={84} ta="right">
            Score
          </Table.Th>
          <NumberHeader label="Throughput" unit="tok/s" w={96} />
          <NumberHeader label="TTFT p90" unit="ms" w={84} />
          <NumberHeader label="TPOT p90" unit="ms" w={84} />
          <NumberHeader label="Latency p90" unit="ms" w={96} />
          <NumberHeader label="Time" unit="s" w={56} />
          <Table.Th w={124}>
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {ordered.map((e) => (
          <ExperimentRows
            key={e.id}
            experiment={e}
            isBest={e.id === bestId}
            repeatOf={e.repeat_of != null ? (sequenceOf.get(e.repeat_of) ?? null) : null}
            showNode={showNode}
            onShowLog={onShowLog}
            onSaveAsPreset={onSaveAsPreset}
          />
        ))}
      </Table.Tbody>
    </Table>
  );
}

function ExperimentRows({
  experiment: e,
  isBest,
  showNode,
  repeatOf,
  onShowLog,
  onSaveAsPreset,
}: {
  experiment: Experiment;
  isBest: boolean;
  showNode: boolean;
  /** The sequence of the original this run repeats, or null. */
  repeatOf: number | null;
  onShowLog: (experiment: Experiment) => void;
  onSaveAsPreset: (experiment: Experiment) => void;
}) {
  const m = keyMetrics(e);
  const seconds = durationSeconds(e.started_at, e.ended_at);
  const bg = isBest ? 'var(--mantine-color-teal-0)' : undefined;
  const stats = e.score_stats && e.score_stats.n > 1 ? e.score_stats : null;
  return (
    <>
      <Table.Tr
        className="experiment-main-row"
        data-testid="experiment-row"
        data-sequence={e.sequence}
        data-status={e.status}
        data-best={isBest ? 'true' : 'false'}
        data-repeat-of={repeatOf ?? undefined}
        bg={bg}
      >
        <Table.Td>
          <Stack gap={4} align="flex-start">
            <Text fw={600} size="sm">
              #{e.sequence}
            </Text>
            {repeatOf !== null && (
              <Text size="xs" c="dimmed" lh={1.3} data-testid="repeat-label">
                ↳ repeat of #{repeatOf}
              </Text>
            )}
            {isBest && (
              <Badge
                size="xs"
                color="teal"
                variant="filled"
                leftSection={<IconTrophy size={10} />}
                data-testid="best-badge"
                styles={{ root: { overflow: 'visible', maxWidth: 'none' }, label: { overflow: 'visible' } }}
              >
                Best
              </Badge>
            )}
          </Stack>
        </Table.Td>
        <Table.Td>
          <Group gap={4}>
            {parameterPairs(e.parameters).map(([k, v]) => (
              <ParamChip key={k}>
                {k}: {v}
              </ParamChip>
            ))}
          </Group>
          {e.error_message && (
            <Text size="xs" c={e.status === 'pruned' ? 'yellow.9' : 'red.7'} mt={6} lineClamp={3} title={e.error_message} data-testid="experiment-error">
              {e.error_message}
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <ExperimentStatusBadge status={e.status} />
        </Table.Td>
        {showNode && (
          <Table.Td data-testid="experiment-node">
            <Text size="sm" ff="monospace" className="wrap-anywhere">
              {e.node ?? '—'}
            </Text>
          </Table.Td>
        )}
        <Table.Td>
          <Text size="sm" ff="monospace" ta="right" fw={isBest ? 700 : 500} c={isBest ? 'teal.8' : e.score === null ? 'dimmed' : undefined}>
            {formatMetric(e.score)}
          </Text>
          {stats && (
            <Tooltip label={`Mean of ${stats.n} runs, 95% interval ${formatMetric(stats.ci_low)} to ${formatMetric(stats.ci_high)}`} withArrow>
              <Text size="xs" ff="monospace" ta="right" c="dimmed" data-testid="score-interval">
                {formatMetric(stats.mean)} ± {formatMetric((stats.ci_high - stats.ci_low) / 2)}
              </Text>
            </Tooltip>
          )}
        </Table.Td>
        {[m.throughput, m.ttftP90, m.tpotP90, m.latencyP90].map((value, i) => (
          <Table.Td key={METRICS[i].key} visibleFrom={WIDE}>
            <Metric value={value} />
          </Table.Td>
        ))}
        <Table.Td visibleFrom={WIDE}>
          <Text size="sm" c="dimmed" ta="right">
            {seconds === null ? '—' : seconds.toFixed(1)}
          </Text>
        </Table.Td>
        <Table.Td>
          <Group gap={6} justify="flex-end" wrap="wrap">
            <Button
              size="compact-xs"
              variant="default"
              leftSection={<IconFileText size={13} />}
              onClick={() => onShowLog(e)}
              aria-label={`Log of experiment #${e.sequence}`}
            >
              Log
            </Button>
            {e.status === 'succeeded' && (
              <Tooltip label="Save as preset" withArrow>
                <ActionIcon
                  variant={isBest ? 'filled' : 'light'}
                  color={isBest ? 'teal' : 'indigo'}
                  onClick={() => onSaveAsPreset(e)}
                  aria-label={`Save experiment #${e.sequence} as preset`}
                >
                  <IconBookmarkPlus size={16} />
                </ActionIcon>
              </Tooltip>
            )}
          </Group>
        </Table.Td>
      </Table.Tr>
      {/* The details row: the metrics of this experiment when the table is too narrow for their columns. */}
      <Table.Tr hiddenFrom={WIDE} bg={bg} data-testid="experiment-details" data-sequence={e.sequence}>
        <Table.Td />
        <Table.Td colSpan={showNode ? 5 : 4} pt={0}>
          <Group gap="lg" wrap="wrap">
            {METRICS.map((metric, i) => (
              <Text key={metric.key} size="xs" c="dimmed">
                {metric.label}{' '}
                <Text span size="xs" ff="monospace" c="var(--mantine-color-text)">
                  {formatMetric([m.throughput, m.ttftP90, m.tpotP90, m.latencyP90][i])}
                </Text>{' '}
                {metric.unit}
              </Text>
            ))}
            <Text size="xs" c="dimmed">
              Time{' '}
              <Text span size="xs" ff="monospace" c="var(--mantine-color-text)">
                {seconds === null ? '—' : seconds.toFixed(1)}
              </Text>{' '}
              s
            </Text>
          </Group>
        </Table.Td>
      </Table.Tr>
    </>
  );
}
