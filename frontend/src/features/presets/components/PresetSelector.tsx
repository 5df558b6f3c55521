import { Badge, Group, MultiSelect, SegmentedControl, Stack, Text } from '@mantine/core';
import { useMemo } from 'react';
import { keysOf, MERGE_STRATEGIES, optionsOf, type MergeStrategy } from '../../../api/enums';
import { summarizeSpace } from '../../../lib/parameterSpace';
import { categoryLabel } from '../categories';
import type { MergeResult, Preset, Resolutions } from '../types/preset';
import { MergePreview } from './MergePreview';

interface Props {
  presets: Preset[];
  /** Picked preset ids, in the order picked. */
  value: number[];
  onChange: (ids: number[]) => void;
  strategy: MergeStrategy;
  onStrategyChange: (strategy: MergeStrategy) => void;
  merge: { data: MergeResult | undefined; loading: boolean; error: unknown };
  disabled?: boolean;
  /** The user's choice per conflict, and how to change one (null: the strategy's proposal). */
  resolutions?: Resolutions;
  onResolve?: (parameter: string, value: string | unknown[] | null) => void;
}

/**
 * Pick presets (searchable, grouped by category, chips in the order picked), choose how to merge
 * them when there are two or more, and see the server's merged result.
 */
export function PresetSelector({ presets, value, onChange, strategy, onStrategyChange, merge, disabled, resolutions, onResolve }: Props) {
  const byId = useMemo(() => new Map(presets.map((p) => [String(p.id), p])), [presets]);
  const data = useMemo(() => {
    const groups = new Map<string, { value: string; label: string }[]>();
    for (const p of [...presets].sort((a, b) => a.name.localeCompare(b.name))) {
      const group = categoryLabel(p.category);
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group)?.push({ value: String(p.id), label: p.name });
    }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, items]) => ({ group, items }));
  }, [presets]);

  return (
    <Stack gap="md" data-testid="preset-selector">
      <MultiSelect
        label="Presets"
        description="Pick one or more; they are merged in the order picked."
        placeholder={value.length ? 'Add another preset' : 'Search presets…'}
        data={data}
        value={value.map(String)}
        onChange={(ids) => onChange(ids.map(Number))}
        searchable
        clearable
        hidePickedOptions
        nothingFoundMessage="No preset matches"
        disabled={disabled}
        maxDropdownHeight={320}
        renderOption={({ option }) => {
          const preset = byId.get(option.value);
          return (
            <Stack gap={0}>
              <Group gap={6}>
                <Text size="sm">{option.label}</Text>
                {preset?.is_system && (
                  <Badge size="xs" variant="light" color="indigo">
                    System
                  </Badge>
                )}
              </Group>
              {preset && (
                <Text size="xs" c="dimmed" lineClamp={1}>
                  {summarizeSpace(preset.parameters).join(' · ')}
                </Text>
              )}
            </Stack>
          );
        }}
      />

      {value.length >= 2 && (
        <Stack gap={6} data-testid="merge-strategy">
          <Text size="sm" fw={500} id="merge-strategy-label">
            Merge strategy
          </Text>
          <SegmentedControl
            aria-labelledby="merge-strategy-label"
            value={strategy}
            onChange={(v) => onStrategyChange(v as MergeStrategy)}
            data={optionsOf(MERGE_STRATEGIES)}
            disabled={disabled}
            fullWidth
            transitionDuration={150}
          />
          <Stack gap={2}>
            {keysOf(MERGE_STRATEGIES).map((value) => (
              <Text key={value} size="xs" c={value === strategy ? undefined : 'dimmed'} fw={value === strategy ? 500 : 400}>
                <b>{MERGE_STRATEGIES[value].label}:</b> {MERGE_STRATEGIES[value].explanation}
              </Text>
            ))}
          </Stack>
        </Stack>
      )}

      {value.length > 0 && (
        <MergePreview result={merge.data} loading={merge.loading} error={merge.error} resolutions={resolutions} onResolve={onResolve} />
      )}
    </Stack>
  );
}
