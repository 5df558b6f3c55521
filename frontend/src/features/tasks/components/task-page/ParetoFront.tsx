/**
 * Several objectives: the Pareto front from GET /api/tasks/{id}/pareto. The first two objectives
 * are the chart's axes (front points joined and highlighted, dominated ones faded); every
 * objective, a third included, is a column of the table, where any point can be saved as a preset.
 */
import { Badge, Button, Group, Paper, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { IconBookmarkPlus, IconChartScatter } from '@tabler/icons-react';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { Objective } from '../../../../api/enums';
import { ApiErrorAlert } from '../../../../components/ApiErrorAlert';
import { ParamChip } from '../../../../components/ParameterChips';
import { usePareto } from '../../api/taskService';
import { formatMetric, parameterPairs } from '../../lib/experimentMetrics';
import { frontLine, OBJECTIVE_AXES, type ParetoPoint, type ParetoRead } from '../../lib/trust';
import type { Experiment, Task } from '../../types/task';

const axisTitle = (o: Objective) => `${OBJECTIVE_AXES[o].label} (${OBJECTIVE_AXES[o].unit}, ${OBJECTIVE_AXES[o].better} is better)`;

/** The task's objectives when it has several, else null (nothing to draw). */
export function objectivesOf(task: Task): Objective[] | null {
  const objectives = task.optimization?.objectives;
  return objectives && objectives.length >= 2 ? objectives : null;
}

export function ParetoFront({ task, experiments, onSave }: { task: Task; experiments: Experiment[]; onSave: (id: number) => void }) {
  const objectives = objectivesOf(task);
  const pareto = usePareto(task.id, objectives ? `${task.status}:${task.experiments_done}` : null);
  if (!objectives) return null;
  return (
    <Paper withBorder p="lg" shadow="xs" data-testid="pareto-front">
      <Group gap={8} mb="sm">
        <IconChartScatter size={20} color="var(--mantine-color-indigo-6)" />
        <Title order={4}>Pareto front</Title>
        <Text size="sm" c="dimmed">
          {objectives.map((o) => OBJECTIVE_AXES[o].label).join(' · ')}: no configuration on the front is beaten in every objective.
        </Text>
      </Group>
      {pareto.isError ? (
        <ApiErrorAlert error={pareto.error} title="The Pareto front could not be loaded" />
      ) : !pareto.data ? (
        <Skeleton height={240} />
      ) : pareto.data.points.length === 0 ? (
        <Text size="sm" c="dimmed">
          The front appears once an experiment has succeeded.
        </Text>
      ) : (
        <ParetoContent pareto={pareto.data} experiments={experiments} onSave={onSave} />
      )}
    </Paper>
  );
}

export function ParetoContent({ pareto, experiments, onSave }: { pareto: ParetoRead; experiments: Experiment[]; onSave: (id: number) => void }) {
  const sequenceOf = new Map(experiments.map((e) => [e.id, e.sequence]));
  const ref = (p: ParetoPoint) => `#${sequenceOf.get(p.experiment_id) ?? p.experiment_id}`;
  const [xo, yo] = pareto.objectives;
  // No key named `ref` here: recharts spreads each datum onto its shape's props.
  const toDatum = (p: ParetoPoint) => ({ x: p.objective_values[xo], y: p.objective_values[yo], experimentId: p.experiment_id, name: ref(p), point: p });
  const drawable = pareto.points.filter((p) => typeof p.objective_values[xo] === 'number' && typeof p.objective_values[yo] === 'number');
  const front = frontLine(pareto).map(toDatum);
  const dominated = drawable.filter((p) => p.dominated).map(toDatum);
  const savePoint = (payload: unknown) => {
    const id = (payload as { experimentId?: unknown } | undefined)?.experimentId;
    if (typeof id === 'number') onSave(id);
  };
  const rows = [...pareto.points].sort(
    (a, b) => Number(a.dominated) - Number(b.dominated) || (sequenceOf.get(a.experiment_id) ?? 0) - (sequenceOf.get(b.experiment_id) ?? 0),
  );
  const frontCount = pareto.points.filter((p) => !p.dominated).length;
  return (
    <Stack gap="md">
      <div
        role="img"
        aria-label={`Pareto chart: ${axisTitle(xo)} against ${axisTitle(yo)}. ${frontCount} of ${pareto.points.length} configurations are on the front: ${front.map((d) => d.name).join(', ')}.`}
        data-testid="pareto-chart"
        style={{ width: '100%', height: 300 }}
      >
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 560, height: 300 }}>
          <ScatterChart margin={{ top: 10, right: 24, bottom: 28, left: 16 }}>
            <CartesianGrid stroke="var(--mantine-color-gray-2)" />
            <XAxis
              type="number"
              dataKey="x"
              name={OBJECTIVE_AXES[xo].label}
              domain={['auto', 'auto']}
              tickFormatter={(v: number) => formatMetric(v)}
              label={{ value: axisTitle(xo), position: 'insideBottom', offset: -16, fontSize: 12 }}
              fontSize={11}
            />
            <YAxis
              type="number"
              dataKey="y"
              name={OBJECTIVE_AXES[yo].label}
              domain={['auto', 'auto']}
              tickFormatter={(v: number) => formatMetric(v)}
              label={{ value: axisTitle(yo), angle: -90, position: 'insideLeft', offset: 4, fontSize: 12, style: { textAnchor: 'middle' } }}
              fontSize={11}
              width={70}
            />
            {/* One size for every mark (no third dimension drawn): big enough to see and click. */}
            <ZAxis range={[90, 90]} />
            <Tooltip
              cursor={{ strokeDasharray: '3 3' }}
              content={({ payload }) => {
                const datum = payload?.[0]?.payload as ReturnType<typeof toDatum> | undefined;
                if (!datum) return null;
                return (
                  <Paper withBorder p="xs" shadow="sm">
                    <Text size="sm" fw={600}>
                      {datum.name} {datum.point.dominated ? '(dominated)' : '(on the front)'}
                    </Text>
                    {pareto.objectives.map((o) => (
                      <Text key={o} size="xs">
                        {OBJECTIVE_AXES[o].label}: {formatMetric(datum.point.objective_values[o])} {OBJECTIVE_AXES[o].unit}
                      </Text>
                    ))}
                    <Text size="xs" c="dimmed">
                      Click to save it as a preset.
                    </Text>
                  </Paper>
                );
              }}
            />
            <Scatter
              name="Dominated"
              data={dominated}
              fill="var(--mantine-color-gray-6)"
              fillOpacity={0.3}
              stroke="var(--mantine-color-gray-6)"
              strokeOpacity={0.5}
              isAnimationActive={false}
              onClick={(d) => savePoint(d.payload)}
              cursor="pointer"
            />
            <Scatter
              name="Front"
              data={front}
              fill="var(--mantine-color-teal-6)"
              line={{ stroke: 'var(--mantine-color-teal-5)', strokeWidth: 2 }}
              lineType="joint"
              shape="diamond"
              isAnimationActive={false}
              onClick={(d) => savePoint(d.payload)}
              cursor="pointer"
            />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
      <Group gap="lg" justify="center" role="list" aria-label="Pareto legend">
        <Text size="xs" c="dimmed" role="listitem">
          <Text span c="teal.6" fw={700}>
            ◆ —
          </Text>{' '}
          On the front ({frontCount}), joined
        </Text>
        <Text size="xs" c="dimmed" role="listitem">
          <Text span c="gray.5" style={{ opacity: 0.6 }}>
            ●
          </Text>{' '}
          Dominated ({pareto.points.length - frontCount}), faded
        </Text>
      </Group>
      <Table verticalSpacing={6} fz="sm" aria-label="Configurations by objective" data-testid="pareto-table" className="fit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={60}>#</Table.Th>
            <Table.Th>Parameters</Table.Th>
            {pareto.objectives.map((o) => (
              <Table.Th key={o} ta="right">
                {OBJECTIVE_AXES[o].label}
                <Text size="xs" c="dimmed" fw={400}>
                  {OBJECTIVE_AXES[o].unit}
                </Text>
              </Table.Th>
            ))}
            <Table.Th w={120} />
            <Table.Th w={90} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((p) => (
            <Table.Tr
              key={p.experiment_id}
              data-testid="pareto-row"
              data-dominated={p.dominated ? 'true' : 'false'}
              style={p.dominated ? { opacity: 0.6 } : undefined}
            >
              <Table.Td fw={600}>{ref(p)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {parameterPairs(p.parameters).map(([k, v]) => (
                    <ParamChip key={k}>
                      {k}: {v}
                    </ParamChip>
                  ))}
                </Group>
              </Table.Td>
              {pareto.objectives.map((o) => (
                <Table.Td key={o} ta="right" ff="monospace">
                  {formatMetric(p.objective_values[o])}
                </Table.Td>
              ))}
              <Table.Td>
                {p.dominated ? (
                  <Text size="xs" c="dimmed">
                    dominated
                  </Text>
                ) : (
                  <Badge color="teal" variant="light" size="sm" styles={{ root: { maxWidth: 'none', overflow: 'visible', flexShrink: 0 }, label: { overflow: 'visible' } }}>
                    On the front
                  </Badge>
                )}
              </Table.Td>
              <Table.Td ta="right">
                <Button
                  size="compact-xs"
                  variant="light"
                  leftSection={<IconBookmarkPlus size={13} />}
                  onClick={() => onSave(p.experiment_id)}
                  aria-label={`Save ${ref(p)} as preset`}
                >
                  Save
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
