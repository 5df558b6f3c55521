/** Two or more presets side by side: best score per shared context, and their record together. */
import { Alert, MultiSelect, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { usePresets } from '../../presets';
import { usePresetsAnalytics } from '../api/analyticsService';
import { compareChart, formatRate, formatScore, headToHead } from '../lib/analytics';
import type { PresetAnalytics } from '../types';
import { CompareBarChart } from './charts';

export function ComparePanel({ initial = [] }: { initial?: number[] }) {
  const presets = usePresets();
  const [picked, setPicked] = useState<string[]>(initial.map(String));
  const ids = picked.map(Number);
  const analyses = usePresetsAnalytics(ids.length >= 2 ? ids : []);
  const options = (presets.data ?? []).map((p) => ({ value: String(p.id), label: p.name }));
  const data = analyses.data ?? [];
  const ran = data.filter((a) => a.experiments > 0);
  return (
    <Stack gap="md">
      <MultiSelect
        label="Presets to compare"
        description="Pick two or more."
        data={options}
        value={picked}
        onChange={setPicked}
        searchable
        clearable
        maw={640}
      />
      {presets.isError && <ApiErrorAlert error={presets.error} title="The presets could not be loaded" />}
      {ids.length < 2 ? (
        <Text size="sm" c="dimmed">
          Choose at least two presets to see them side by side.
        </Text>
      ) : analyses.isError ? (
        <ApiErrorAlert error={analyses.error} title="The analytics could not be loaded" />
      ) : analyses.isPending ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : ran.length === 0 ? (
        <Alert color="gray" variant="light" title="No experiments yet">
          None of these presets has run in a task yet: run tasks with them (New Task, “Use Parameter Presets”) to compare them.
        </Alert>
      ) : (
        <>
          <CompareBarChart chart={compareChart(data)} />
          <Table.ScrollContainer minWidth={560}>
            <Table striped fz="sm" aria-label="Presets compared">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Preset</Table.Th>
                  <Table.Th ta="right">Tasks</Table.Th>
                  <Table.Th ta="right">Experiments</Table.Th>
                  <Table.Th ta="right">Wins</Table.Th>
                  <Table.Th ta="right">Win rate</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.map((a) => (
                  <Table.Tr key={a.preset_id}>
                    <Table.Td>{a.preset_name}</Table.Td>
                    <Table.Td ta="right">{a.tasks}</Table.Td>
                    <Table.Td ta="right">{a.experiments}</Table.Td>
                    <Table.Td ta="right">{a.wins}</Table.Td>
                    <Table.Td ta="right">{formatRate(a.win_rate)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <HeadToHead data={data} ids={ids} />
        </>
      )}
    </Stack>
  );
}

function HeadToHead({ data, ids }: { data: PresetAnalytics[]; ids: number[] }) {
  const rows = data.flatMap((a) =>
    headToHead(
      a,
      ids.filter((id) => id !== a.preset_id),
    ).map((c) => ({ subject: a.preset_name, ...c })),
  );
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        These presets have not been used in the same task yet: a head-to-head appears once one task runs two of them.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table striped fz="sm" aria-label="Head to head">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Preset</Table.Th>
            <Table.Th>With</Table.Th>
            <Table.Th ta="right">Tasks together</Table.Th>
            <Table.Th ta="right">Its wins</Table.Th>
            <Table.Th ta="right">Win rate</Table.Th>
            <Table.Th ta="right">Other's median</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={`${r.subject}-${r.preset_id}`}>
              <Table.Td>{r.subject}</Table.Td>
              <Table.Td>{r.preset_name}</Table.Td>
              <Table.Td ta="right">{r.tasks_together}</Table.Td>
              <Table.Td ta="right">{r.wins}</Table.Td>
              <Table.Td ta="right">{formatRate(r.win_rate)}</Table.Td>
              <Table.Td ta="right">{formatScore(r.median_score)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
