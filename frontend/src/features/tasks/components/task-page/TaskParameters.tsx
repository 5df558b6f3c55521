import { Badge, Code, Group, Paper, Table, Text, Title } from '@mantine/core';
import { IconAdjustments } from '@tabler/icons-react';
import { compactJson, leaves } from '../../../../lib/parameterSpace';
import type { Task } from '../../types/task';

/** The engine-neutral sweeps (parallel, quantization) a task was given, in its own words. */
function NeutralSweeps({ task }: { task: Task }) {
  const words = [
    ...Object.entries(task.parallel ?? {}).map(([word, values]) => [`parallel.${word}`, values] as const),
    ...Object.entries(task.quantization ?? {}).map(([word, values]) => [`quantization.${word}`, values] as const),
  ].filter(([, values]) => values != null);
  if (words.length === 0) return null;
  return (
    <Text size="sm" c="dimmed" mb="sm" data-testid="task-neutral-sweeps">
      Parallel and quantization sweeps, added as this engine&apos;s flags:{' '}
      {words.map(([word, values], i) => (
        <span key={word}>
          {i > 0 && ', '}
          <Text span ff="monospace" size="sm">
            {word} {JSON.stringify(values)}
          </Text>
        </span>
      ))}
    </Text>
  );
}

/** The task's final parameter space, with the values fine-tuned by hand and the flags that the
 * parallel and quantization sweeps became marked. */
export function TaskParameters({ task }: { task: Task }) {
  const overridden = new Set(leaves(task.provenance?.overrides).map(([name]) => name));
  const neutral = task.neutral_flags ?? {};
  return (
    <Paper withBorder p="lg" shadow="xs" data-testid="task-parameters">
      <Group gap={8} mb="md">
        <IconAdjustments size={20} color="var(--mantine-color-indigo-6)" />
        <Title order={4}>Parameters</Title>
      </Group>
      <NeutralSweeps task={task} />
      <Table withRowBorders verticalSpacing="xs" aria-label="Task parameters" className="fit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="40%">Flag</Table.Th>
            <Table.Th>Values</Table.Th>
            <Table.Th w={88} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {leaves(task.parameters).map(([name, values]) => (
            <Table.Tr key={name} data-testid="task-parameter" data-name={name}>
              <Table.Td>
                <Text ff="monospace" size="sm">
                  {name}
                </Text>
                {neutral[name] && (
                  <Text fz={11} c="indigo.7" data-testid="task-parameter-neutral">
                    from {neutral[name]}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text ff="monospace" size="sm" data-testid="task-parameter-values">
                  {JSON.stringify(values)}
                </Text>
              </Table.Td>
              <Table.Td>
                {overridden.has(name) && (
                  <Badge size="xs" color="orange" variant="light" styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}>
                    fine-tuned
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Code block mt="md" fz="xs" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {compactJson(task.parameters)}
      </Code>
    </Paper>
  );
}
