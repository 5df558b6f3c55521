import { Badge, Paper, Table, Text } from '@mantine/core';
import { formatValues } from '../../../lib/parameterSpace';
import type { EffectiveValue } from '../lib/effective';

/** The effective parameters of a preset that extends others: each value and the preset that gave it. */
export function EffectiveParameters({ values, selfName, selfId }: { values: EffectiveValue[]; selfName: string; selfId: number | null }) {
  return (
    <Paper withBorder radius="md" p="sm" data-testid="effective-parameters">
      <Text fw={600} size="sm" mb={4}>
        Effective parameters
      </Text>
      <Text size="xs" c="dimmed" mb="xs">
        What a task built from it gets: the bases in order, then its own values on top.
      </Text>
      {values.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      ) : (
        <Table verticalSpacing={4} className="fit-table" aria-label="Effective parameters">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="35%">Parameter</Table.Th>
              <Table.Th>Values</Table.Th>
              <Table.Th w="30%">From</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {values.map((v) => {
              const own = !v.source || v.source.id === selfId;
              return (
                <Table.Tr key={v.name} data-testid="effective-row" data-parameter={v.name} data-source={own ? selfName : v.source?.name}>
                  <Table.Td>
                    <Text size="sm" ff="monospace" className="wrap-anywhere">
                      {v.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" className="wrap-anywhere">
                      {formatValues(v.values)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={own ? 'teal' : 'grape'} styles={{ label: { textTransform: 'none' } }} maw="100%">
                      {own ? `${selfName} (own)` : v.source?.name}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
