import { Alert, Badge, Code, Group, List, Loader, Paper, Select, Stack, TagsInput, Text, ThemeIcon } from '@mantine/core';
import { IconAlertCircle, IconArrowsShuffle, IconCheck, IconFilter } from '@tabler/icons-react';
import { errorMessage } from '../../../api/client';
import { labelOf, MERGE_STRATEGIES, RESOLUTIONS } from '../../../api/enums';
import { compactJson, formatChipValue, formatValues, parseChipValue, type Scalar } from '../../../lib/parameterSpace';
import type { MergeConflict, MergeResult, Resolutions } from '../types/preset';

interface Props {
  result: MergeResult | undefined;
  loading: boolean;
  error: unknown;
  /** The user's choice per conflict; with `onResolve`, each conflict gets a choice control. */
  resolutions?: Resolutions;
  onResolve?: (parameter: string, value: string | unknown[] | null) => void;
}

/** The server's merge of the picked presets: values, conflicts (each decidable), rules, combinations. */
export function MergePreview({ result, loading, error, resolutions = {}, onResolve }: Props) {
  if (error) {
    return (
      <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="The presets cannot be merged" role="alert">
        {errorMessage(error)}
      </Alert>
    );
  }
  if (!result) {
    return (
      <Group gap="xs" c="dimmed">
        <Loader size="xs" />
        <Text size="sm">Merging presets…</Text>
      </Group>
    );
  }
  const combos = result.combinations;
  const ruleMessages = result.space?.messages ?? [];
  return (
    <Paper withBorder radius="md" p="md" data-testid="merge-preview" aria-busy={loading} bg="var(--mantine-color-body)">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap={8}>
            <ThemeIcon variant="light" size="md" radius="xl">
              <IconArrowsShuffle size={16} />
            </ThemeIcon>
            <Text fw={600}>Merged parameters</Text>
            {loading && <Loader size="xs" />}
          </Group>
          <Badge size="lg" variant="light" color={combos > 200 ? 'orange' : 'indigo'} data-testid="combinations">
            {combos} {combos === 1 ? 'combination' : 'combinations'}
          </Badge>
        </Group>
        <Text size="xs" c="dimmed" className="wrap-anywhere">
          {result.applied_presets.join(' → ')} · {labelOf(MERGE_STRATEGIES, result.merge_strategy)}
        </Text>
        <Code block data-testid="merged-json" fz="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {compactJson(result.parameters)}
        </Code>
        {result.conflicts.length === 0 ? (
          <Group gap={6}>
            <IconCheck size={16} color="var(--mantine-color-teal-6)" />
            <Text size="sm" c="dimmed">
              No conflicts between the picked presets.
            </Text>
          </Group>
        ) : (
          <div data-testid="merge-conflicts">
            <Text size="sm" fw={500} mb={4}>
              {result.conflicts.length === 1 ? '1 conflict' : `${result.conflicts.length} conflicts`}
            </Text>
            {onResolve ? (
              <Stack gap="xs">
                {result.conflicts.map((c) => (
                  <ConflictChoice key={c.parameter} conflict={c} chosen={resolutions[c.parameter]} onResolve={onResolve} />
                ))}
              </Stack>
            ) : (
              <List size="sm" spacing={4} icon={<IconAlertCircle size={14} color="var(--mantine-color-orange-6)" />}>
                {result.conflicts.map((c) => (
                  <List.Item key={c.parameter}>{c.message}</List.Item>
                ))}
              </List>
            )}
          </div>
        )}
        {ruleMessages.length > 0 && (
          <div data-testid="merge-rules">
            <Group gap={6} mb={4}>
              <IconFilter size={14} />
              <Text size="sm" fw={500}>
                Combination rules
              </Text>
            </Group>
            <List size="xs" spacing={2}>
              {ruleMessages.map((m) => (
                <List.Item key={m}>{m}</List.Item>
              ))}
            </List>
          </div>
        )}
      </Stack>
    </Paper>
  );
}

/** What the control shows as selected: the user's choice, else what the request applied, else the proposal. */
export function selectedResolution(conflict: MergeConflict, chosen: string | unknown[] | undefined): string | null {
  const value = chosen ?? conflict.resolution ?? conflict.proposed ?? null;
  if (Array.isArray(value)) return 'explicit';
  return value;
}

const EXPLICIT = 'explicit';

/** One conflict in words, with a choice of resolution (the server's proposal pre-selected). */
function ConflictChoice({
  conflict: c,
  chosen,
  onResolve,
}: {
  conflict: MergeConflict;
  chosen: string | unknown[] | undefined;
  onResolve: (parameter: string, value: string | unknown[] | null) => void;
}) {
  const options = c.options ?? {};
  const names = (Object.keys(RESOLUTIONS) as (keyof typeof RESOLUTIONS)[]).filter((n) => !c.options || n in options);
  const selected = selectedResolution(c, chosen);
  const data = [
    ...names.map((n) => ({
      value: n,
      label: `${RESOLUTIONS[n].label}${n === c.proposed ? ' (proposed)' : ''}${options[n] ? `: ${formatValues(options[n] as Scalar[])}` : ''}`,
    })),
    { value: EXPLICIT, label: 'Explicit values…' },
  ];
  const explicit = Array.isArray(chosen) ? (chosen as Scalar[]) : [];
  return (
    <Paper withBorder radius="sm" p="xs" data-testid="merge-conflict" data-parameter={c.parameter}>
      <Stack gap={6}>
        <Group gap={6} wrap="nowrap" align="flex-start">
          <IconAlertCircle size={14} color="var(--mantine-color-orange-6)" style={{ flexShrink: 0, marginTop: 3 }} />
          <Text size="sm" className="wrap-anywhere">
            {c.message}
          </Text>
        </Group>
        <Group gap="xs" wrap="wrap" align="flex-end">
          <Select
            size="xs"
            label={`Resolve ${c.parameter}`}
            data={data}
            value={selected}
            onChange={(v) => {
              if (!v || v === EXPLICIT) onResolve(c.parameter, v === EXPLICIT ? (c.kept ?? []) : null);
              else onResolve(c.parameter, v === c.proposed && chosen === undefined ? null : v);
            }}
            allowDeselect={false}
            w={280}
            maw="100%"
            comboboxProps={{ withinPortal: true }}
            data-testid="resolution-select"
          />
          {selected === EXPLICIT && (
            <TagsInput
              size="xs"
              label="Values to keep"
              placeholder="Type a value, press Enter"
              value={explicit.map(formatChipValue)}
              onChange={(values) => onResolve(c.parameter, values.length ? values.map(parseChipValue) : null)}
              style={{ flex: '1 1 12rem' }}
              data-testid="resolution-values"
            />
          )}
          {c.kept && (
            <Text size="xs" c="dimmed" data-testid="resolution-kept">
              keeps {formatValues(c.kept as Scalar[])}
            </Text>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
