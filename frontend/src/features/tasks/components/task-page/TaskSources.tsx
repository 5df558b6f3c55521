import { Anchor, Group, Paper, Stack, Text, Timeline, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { IconAdjustments, IconStack2 } from '@tabler/icons-react';
import { labelOf, MERGE_STRATEGIES } from '../../../../api/enums';
import { ParameterChips } from '../../../../components/ParameterChips';
import { formatValues, leaves } from '../../../../lib/parameterSpace';
import { paths } from '../../../../routes';
import type { Task } from '../../types/task';

/** Where the parameters came from: the presets in merge order, the strategy, the hand edits. */
export function TaskSources({ task }: { task: Task }) {
  const provenance = task.provenance;
  const overrides = leaves(provenance?.overrides);
  return (
    <Paper withBorder p="lg" shadow="xs" data-testid="task-sources">
      <Group gap={8} mb="md">
        <IconStack2 size={20} color="var(--mantine-color-indigo-6)" />
        <Title order={4}>Where the parameters came from</Title>
      </Group>
      {provenance && provenance.presets.length > 0 ? (
        <Timeline active={provenance.presets.length + (overrides.length ? 1 : 0)} bulletSize={22} lineWidth={2}>
          {provenance.presets.map((p, i) => (
            <Timeline.Item
              key={`${p.id}-${i}`}
              bullet={<Text size="xs">{i + 1}</Text>}
              title={
                <Group gap={8} wrap="wrap">
                  <Text fw={600} size="sm" data-testid="task-source" className="wrap-anywhere">
                    {p.name}
                  </Text>
                  {p.version ? (
                    // Exactly the version the task was built from, in the preset's history.
                    <Anchor component={Link} to={paths.presetHistory(p.id, p.version)} size="xs" data-testid="task-source-version">
                      version {p.version}
                    </Anchor>
                  ) : null}
                </Group>
              }
            >
              <ParameterChips space={p.parameters} max={6} />
            </Timeline.Item>
          ))}
          <Timeline.Item
            bullet={<Text size="xs">∪</Text>}
            title={
              <Text size="sm" fw={600}>
                Merged with {labelOf(MERGE_STRATEGIES, provenance.merge_strategy)}
              </Text>
            }
          >
            <Text size="xs" c="dimmed">
              Presets applied in the order shown.
            </Text>
          </Timeline.Item>
          {overrides.length > 0 && (
            <Timeline.Item
              bullet={<IconAdjustments size={12} />}
              title={
                <Text size="sm" fw={600}>
                  Fine-tuned by hand
                </Text>
              }
            >
              <Stack gap={2}>
                {overrides.map(([name, values]) => (
                  <Text key={name} size="xs" ff="monospace" className="wrap-anywhere">
                    {name}: {formatValues(values)}
                  </Text>
                ))}
              </Stack>
            </Timeline.Item>
          )}
        </Timeline>
      ) : (
        <Text size="sm" c="dimmed">
          Entered by hand: this task uses no presets.
        </Text>
      )}
    </Paper>
  );
}
