import { Group, Text } from '@mantine/core';
import { formatValues, leaves, type ParameterSpace } from '../lib/parameterSpace';

/**
 * One parameter in short form ("tp-size: 2, 4"), as a chip that wraps inside its cell rather
 * than being cut. `tone` marks a changed value (teal) or a plain one.
 */
export function ParamChip({ children, tone = 'plain', ...rest }: { children: React.ReactNode; tone?: 'plain' | 'changed' } & React.HTMLAttributes<HTMLSpanElement>) {
  return (
    <span className="param-chip" data-tone={tone} {...rest}>
      {children}
    </span>
  );
}

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
        <ParamChip key={name}>
          {name}: {formatValues(values)}
        </ParamChip>
      ))}
      {all.length > shown.length && (
        <Text size="xs" c="dimmed">
          +{all.length - shown.length} more
        </Text>
      )}
    </Group>
  );
}
