/** One preset's record: where it ran, how its values scored, how often it won, and its trend. */
import { Alert, Anchor, Badge, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import { OBJECTIVES, type Objective } from '../../../api/enums';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { paths } from '../../../routes';
import { usePresetAnalytics } from '../api/analyticsService';
import { formatRate, formatScore } from '../lib/analytics';
import type { PresetAnalytics } from '../types';
import { ContextScoreChart, TrendChart } from './charts';

function Stat({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
    </div>
  );
}

/** What to do when the preset has no experiments yet. */
export function NoExperimentsYet({ what }: { what: string }) {
  return (
    <Alert color="gray" variant="light" icon={<IconInfoCircle size={18} />} title="No experiments yet">
      {what} Start a task on the{' '}
      <Anchor component={Link} to={paths.newTask} size="sm">
        New Task page
      </Anchor>{' '}
      (turn on “Use Parameter Presets” and pick it); its experiments appear here once they finish.
    </Alert>
  );
}

export function PresetAnalyticsView({ analytics }: { analytics: PresetAnalytics }) {
  const a = analytics;
  return (
    <Paper withBorder p="lg" shadow="xs" data-testid={`preset-analytics-${a.preset_id}`}>
      <Group justify="space-between" mb="md" wrap="wrap">
        <Title order={4}>{a.preset_name}</Title>
        <Group gap={6}>
          {a.by_version.map((v) => (
            <Badge key={v.version} variant="light" color="gray" title={`${v.tasks} tasks, ${v.experiments} experiments`}>
              v{v.version}: {v.experiments} exp.
            </Badge>
          ))}
        </Group>
      </Group>
      {a.experiments === 0 ? (
        <NoExperimentsYet what={`No task has run “${a.preset_name}” yet.`} />
      ) : (
        <Stack gap="md">
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Stat label="Tasks" value={a.tasks} />
            <Stat label="Experiments" value={a.experiments} />
            <Stat label="Wins" value={a.wins} />
            <Stat label="Win rate" value={formatRate(a.win_rate)} />
          </SimpleGrid>
          <Text size="xs" c="dimmed">
            A win: the best configuration of a task came from this preset's values.
          </Text>
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
            <div>
              <Text fw={600} size="sm" mb={4}>
                Score per context
              </Text>
              <ContextScoreChart contexts={a.contexts} />
            </div>
            <div>
              <Text fw={600} size="sm" mb={4}>
                Trend over versions
              </Text>
              {a.trend.length > 1 ? (
                <TrendChart trend={a.trend} />
              ) : (
                <Text size="sm" c="dimmed">
                  One version has run so far: the trend appears once a later version runs too.
                </Text>
              )}
            </div>
          </SimpleGrid>
          <Table.ScrollContainer minWidth={560}>
            <Table striped fz="sm" aria-label="Contexts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Context</Table.Th>
                  <Table.Th>Objective</Table.Th>
                  <Table.Th ta="right">Best</Table.Th>
                  <Table.Th ta="right">Median</Table.Th>
                  <Table.Th ta="right">Experiments</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {a.contexts.map((c) => (
                  <Table.Tr key={c.key}>
                    <Table.Td>{c.label}</Table.Td>
                    <Table.Td>{OBJECTIVES[c.objective as Objective]?.label ?? c.objective}</Table.Td>
                    <Table.Td ta="right">{formatScore(c.best_score)}</Table.Td>
                    <Table.Td ta="right">{formatScore(c.median_score)}</Table.Td>
                    <Table.Td ta="right">{c.experiments}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Paper>
  );
}

/** Loads and shows one preset's analytics. */
export function PresetAnalyticsCard({ presetId }: { presetId: number }) {
  const query = usePresetAnalytics(presetId);
  if (query.isPending) return <Loader size="sm" aria-label="Loading the preset's analytics" />;
  if (query.isError) return <ApiErrorAlert error={query.error} title="The preset's analytics could not be loaded" />;
  return <PresetAnalyticsView analytics={query.data} />;
}
