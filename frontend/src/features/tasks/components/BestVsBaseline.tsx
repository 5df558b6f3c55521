/** The best configuration beside the baseline (the first experiment), with the change of each key metric. */
import { Group, Stack, Table, Text } from '@mantine/core';
import { IconArrowDownRight, IconArrowUpRight } from '@tabler/icons-react';
import { ParamChip } from '../../../components/ParameterChips';
import { compareToBaseline, formatChange, formatMetric, parameterPairs } from '../lib/experimentMetrics';
import type { Experiment } from '../types/task';

function Params({ label, experiment, other, accent }: { label: string; experiment: Experiment; other?: Experiment; accent?: boolean }) {
  const theirs = new Map(other ? parameterPairs(other.parameters) : []);
  return (
    <Group gap={6} wrap="nowrap" align="flex-start">
      <Text size="xs" c="dimmed" fw={600} w={92} style={{ flexShrink: 0 }} pt={3}>
        {label} <Text span size="xs" c="dimmed" fw={400}>#{experiment.sequence}</Text>
      </Text>
      <Group gap={4} style={{ minWidth: 0 }}>
        {parameterPairs(experiment.parameters).map(([k, v]) => {
          const differs = other !== undefined && theirs.get(k) !== v;
          return (
            <ParamChip key={k} tone={differs && accent ? 'changed' : 'plain'} data-changed={differs ? 'true' : 'false'}>
              {k}: {v}
            </ParamChip>
          );
        })}
      </Group>
    </Group>
  );
}

interface Props {
  best: Experiment | null;
  baseline: Experiment | null;
}

export function BestVsBaseline({ best, baseline }: Props) {
  if (!best || !baseline) {
    return (
      <Text size="sm" c="dimmed">
        {baseline?.status === 'failed'
          ? 'The baseline (the first experiment) failed, so there is nothing to compare with.'
          : 'The comparison appears once an experiment has succeeded.'}
      </Text>
    );
  }
  const same = best.id === baseline.id;
  const rows = compareToBaseline(best, baseline);
  const baselineFailed = baseline.status !== 'succeeded';

  return (
    <Stack gap="sm" data-testid="best-vs-baseline">
      {same && (
        <Text size="sm" c="dimmed">
          The baseline is the best so far: no other experiment beat it.
        </Text>
      )}
      {baselineFailed && (
        <Text size="sm" c="orange.8">
          The baseline (experiment #{baseline.sequence}) {baseline.status}; its metrics are missing.
        </Text>
      )}
      <Stack gap={6}>
        <Params label="Baseline" experiment={baseline} />
        {!same && <Params label="Best" experiment={best} other={baseline} accent />}
      </Stack>
      <Table withRowBorders verticalSpacing={6} aria-label="Best configuration compared with the baseline" fz="sm" className="fit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th />
            <Table.Th>
              Baseline <Text span size="xs" c="dimmed">#{baseline.sequence}</Text>
            </Table.Th>
            <Table.Th>
              <Group gap={6}>
                Best <Text span size="xs" c="dimmed">#{best.sequence}</Text>
              </Group>
            </Table.Th>
            <Table.Th ta="right">Change</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.key} data-testid="comparison-row" data-metric={row.key}>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  {row.label}
                  {row.unit && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      ({row.unit})
                    </Text>
                  )}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {formatMetric(row.baseline)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace" fw={600}>
                  {formatMetric(row.best)}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                {row.change === null || same ? (
                  <Text size="sm" c="dimmed">
                    —
                  </Text>
                ) : (
                  <Group gap={2} justify="flex-end" wrap="nowrap" c={row.improved === null ? 'dimmed' : row.improved ? 'teal.7' : 'red.7'}>
                    {row.change > 0 ? <IconArrowUpRight size={14} /> : row.change < 0 ? <IconArrowDownRight size={14} /> : null}
                    <Text size="sm" fw={700} ff="monospace" data-testid="comparison-change" style={{ whiteSpace: 'nowrap' }}>
                      {formatChange(row.change)}
                    </Text>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed">
        Throughput is output tokens per second; latencies are 90th percentiles in milliseconds, averaged over the
        benchmark's levels. Green means better.
      </Text>
    </Stack>
  );
}
