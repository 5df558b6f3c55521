import { ActionIcon, Autocomplete, Button, Group, Pill, Stack, TagsInput, Text, Tooltip } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMemo } from 'react';
import {
  formatChipValue,
  newRowId,
  parseChipValue,
  rowProblems,
  valueKey,
  type ParameterRow,
} from '../lib/parameterSpace';
import type { RuntimeParameter, Scalar } from '../types/preset';

interface Props {
  rows: ParameterRow[];
  onChange: (rows: ParameterRow[]) => void;
  /** Known engine flags, offered as name suggestions. */
  suggestions?: RuntimeParameter[];
  /** Errors from the server, keyed by parameter name. */
  errors?: Record<string, string>;
  /** Show the editor's own checks (empty values, duplicates). */
  showProblems?: boolean;
  label?: string;
}

const VALUE_COLORS: Record<string, string> = { number: 'blue', boolean: 'grape', string: 'gray' };

function typeName(value: Scalar): string {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
}

/**
 * One row per parameter: a name (with suggestions from the engine catalog) and its values typed
 * one by one as chips. "4" becomes the number 4, "true" the boolean true, "4bit" stays text.
 */
export function ParameterEditor({ rows, onChange, suggestions = [], errors = {}, showProblems = true, label }: Props) {
  const problems = useMemo(() => (showProblems ? rowProblems(rows) : {}), [rows, showProblems]);
  const byName = useMemo(() => new Map(suggestions.map((s) => [s.name, s])), [suggestions]);
  const names = useMemo(() => suggestions.map((s) => s.name).sort(), [suggestions]);

  const update = (id: string, patch: Partial<ParameterRow>) =>
    onChange(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  const remove = (id: string) => onChange(rows.filter((row) => row.id !== id));
  const add = () => onChange([...rows, { id: newRowId(), name: '', values: [] }]);

  return (
    <Stack gap="xs" data-testid="parameter-editor">
      {label && (
        <Text fw={500} size="sm">
          {label}
        </Text>
      )}
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No parameters yet. Add one to define the search space.
        </Text>
      )}
      {rows.map((row, index) => {
        const known = byName.get(row.name.trim());
        const error = errors[row.name.trim()] ?? problems[row.id];
        const hint = known
          ? [known.description, known.type && `type ${known.type}`, known.choices?.length ? `choices: ${known.choices.join(', ')}` : null]
              .filter(Boolean)
              .join(' · ')
          : undefined;
        return (
          <Group key={row.id} align="flex-start" gap="xs" wrap="nowrap" data-testid="parameter-row" data-name={row.name}>
            <Autocomplete
              aria-label={`Parameter ${index + 1} name`}
              placeholder="flag, e.g. tp-size"
              data={names}
              limit={30}
              value={row.name}
              onChange={(name) => update(row.id, { name })}
              w={230}
              style={{ flexShrink: 0 }}
              description={hint ? <span title={hint}>{hint}</span> : undefined}
              styles={{ description: { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' } }}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
            />
            <TagsInput
              aria-label={`Values of ${row.name || `parameter ${index + 1}`}`}
              placeholder={row.values.length ? 'Add value' : 'Type a value, press Enter'}
              value={row.values.map(formatChipValue)}
              onChange={(texts) => update(row.id, { values: texts.map(parseChipValue) })}
              splitChars={[',', ' ']}
              isDuplicate={(text, current) => current.some((c) => valueKey(parseChipValue(c)) === valueKey(parseChipValue(text)))}
              data={known?.choices?.map(String) ?? (known?.type === 'bool' ? ['true', 'false'] : [])}
              error={error}
              style={{ flex: 1 }}
              renderPill={({ value, onRemove }) => {
                const parsed = parseChipValue(value ?? '');
                return (
                  <Pill
                    withRemoveButton
                    onRemove={onRemove}
                    data-value-type={typeName(parsed)}
                    title={`${typeName(parsed)} value`}
                    styles={{ root: { background: `var(--mantine-color-${VALUE_COLORS[typeof parsed]}-light)` } }}
                  >
                    {value}
                  </Pill>
                );
              }}
            />
            <Tooltip label="Remove parameter">
              <ActionIcon
                variant="subtle"
                color="gray"
                size="lg"
                mt={2}
                aria-label={`Remove ${row.name || `parameter ${index + 1}`}`}
                onClick={() => remove(row.id)}
              >
                <IconTrash size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        );
      })}
      <Group>
        <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={add}>
          Add parameter
        </Button>
        <Text size="xs" c="dimmed">
          Numbers stay numbers, true/false become booleans; quote a value ("4") to keep it as text.
        </Text>
      </Group>
    </Stack>
  );
}
