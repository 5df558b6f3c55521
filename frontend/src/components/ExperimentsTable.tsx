/** A task's experiments: parameters, status, score and key metrics, with log and save actions. */
import { ActionIcon, Badge, Button, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconBookmarkPlus, IconFileText, IconTrophy } from '@tabler/icons-react';
import type { Experiment } from '../services/taskService';
import { durationSeconds, formatMetric, keyMetrics, parameterPairs } from './experimentMetrics';
import { ExperimentStatusBadge } from './ExperimentStatusBadge';

interface Props {
  experiments: Experiment[];
  bestId: number | null;
  onShowLog: (experiment: Experiment) => void;
  onSaveAsPreset: (experiment: Experiment) => void;
}

function Metric({ value }: { value: number | null }) {
  return (
    <Text size="sm" ff="monospace" ta="right" c={value === null ? 'dimmed' : undefined}>
      {formatMetric(value)}
    </Text>
  );
}

function NumberHeader({ label, unit }: { label: string; unit?: string }) {
  return (
    <Table.Th ta="right" style={{ whiteSpace: 'nowrap' }}>
      {label}
      <Text size="xs" c="dimmed" fw={400} style={{ minHeight: '1.2em' }}>
        {unit ?? ''}
      </Text>
    </Table.Th>
  );
}

export function ExperimentsTable({ experiments, bestId, onShowLog, onSaveAsPreset }: Props) {
  const ordered = [...experiments].sort((a, b) => a.sequence - b.sequence);
  return (
    <Table.ScrollContainer minWidth={1040}>
      <Table verticalSpacing="sm" highlightOnHover aria-label="Experiments" data-testid="experiments-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={72}>#</Table.Th>
            <Table.Th>Parameters</Table.Th>
            <Table.Th w={130}>Status</Table.Th>
            <NumberHeader label="Score" />
            <NumberHeader label="Throughput" unit="tok/s" />
            <NumberHeader label="TTFT p90" unit="ms" />
            <NumberHeader label="TPOT p90" unit="ms" />
            <NumberHeader label="Latency p90" unit="ms" />
            <NumberHeader label="Time" unit="s" />
            <Table.Th w={110} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {ordered.map((e) => {
            const isBest = e.id === bestId;
            const m = keyMetrics(e);
            const seconds = durationSeconds(e.started_at, e.ended_at);
            return (
              <Table.Tr
                key={e.id}
                data-testid="experiment-row"
                data-sequence={e.sequence}
                data-status={e.status}
                data-best={isBest ? 'true' : 'false'}
                bg={isBest ? 'var(--mantine-color-teal-0)' : undefined}
              >
                <Table.Td>
                  <Stack gap={4} align="flex-start">
                    <Text fw={600} size="sm">
                      #{e.sequence}
                    </Text>
                    {isBest && (
                      <Badge
                        size="xs"
                        color="teal"
                        variant="filled"
                        leftSection={<IconTrophy size={10} />}
                        data-testid="best-badge"
                        styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}
                      >
                        Best
                      </Badge>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td miw={250}>
                  <Group gap={4}>
                    {parameterPairs(e.parameters).map(([k, v]) => (
                      <Badge key={k} size="sm" variant="default" radius="sm" tt="none" fw={500} className="param-chip">
                        {k}: {v}
                      </Badge>
                    ))}
                  </Group>
                  {e.error_message && (
                    <Text size="xs" c="red.7" mt={6} lineClamp={3} maw={520} title={e.error_message} data-testid="experiment-error">
                      {e.error_message}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td miw={128}>
                  <ExperimentStatusBadge status={e.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" ta="right" fw={isBest ? 700 : 500} c={isBest ? 'teal.8' : e.score === null ? 'dimmed' : undefined}>
                    {formatMetric(e.score)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Metric value={m.throughput} />
                </Table.Td>
                <Table.Td>
                  <Metric value={m.ttftP90} />
                </Table.Td>
                <Table.Td>
                  <Metric value={m.tpotP90} />
                </Table.Td>
                <Table.Td>
                  <Metric value={m.latencyP90} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed" ta="right">
                    {seconds === null ? '—' : seconds.toFixed(1)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={6} justify="flex-end" wrap="nowrap">
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
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
