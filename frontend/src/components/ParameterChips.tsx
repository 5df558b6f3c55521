import { Badge, Group, Text } from '@mantine/core';
import { leaves, formatValues } from '../lib/parameterSpace';
import type { ParameterSpace } from '../types/preset';

/** Parameters in short form, one chip per flag: "tp-size: 2, 4". */
export function ParameterChips({ space, max = 4 }: { space: ParameterSpace | null | undefined; max?: number }) {
  const all = leaves(space);
  if (all.length === 0) {
    return (
      <Text size="xs" c="dimmed">
        none
      </Text>
    );
  }
  const shown = all.slice(0, max);
  return (
    <Group gap={4}>
      {shown.map(([name, values]) => (
        <Badge
          key={name}
          variant="default"
          radius="sm"
          tt="none"
          fw={500}
          className="param-chip"
          styles={{ root: { height: 'auto', paddingBlock: 2, maxWidth: 'none', overflow: 'visible' }, label: { overflow: 'visible' } }}
        >
          {name}: {formatValues(values)}
        </Badge>
      ))}
      {all.length > shown.length && (
        <Text size="xs" c="dimmed">
          +{all.length - shown.length} more
        </Text>
      )}
    </Group>
  );
}
