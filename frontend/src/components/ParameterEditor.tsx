import { ActionIcon, Autocomplete, Box, Button, Group, Pill, Stack, TagsInput, Text, Tooltip } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import {
  formatChipValue,
  newRowId,
  parseChipValue,
  rowProblems,
  valueKey,
  type ParameterRow,
  type Scalar,
} from '../lib/parameterSpace';

/** A known engine flag, offered as a name suggestion (the engine catalog's flags fit this). */
export interface ParameterSuggestion {
  name: string;
  description?: string | null;
  type?: string | null;
  choices?: Scalar[] | null;
}

interface Props {
  rows: ParameterRow[];
  onChange: (rows: ParameterRow[]) => void;
  suggestions?: ParameterSuggestion[];
  /** Errors from the server, keyed by parameter name. */
  errors?: Record<string, string>;
  /**
   * Show the editor's own checks (no values, listed twice) for every row, e.g. once the form was
   * submitted. Without it a row is checked only after the user has left it.
   */
  showAllProblems?: boolean;
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
export function ParameterEditor({ rows, onChange, suggestions = [], errors = {}, showAllProblems = false, label }: Props) {
  const problems = useMemo(() => rowProblems(rows), [rows]);
  const byName = useMemo(() => new Map(suggestions.map((s) => [s.name, s])), [suggestions]);
  const names = useMemo(() => suggestions.map((s) => s.name).sort(), [suggestions]);
  /** Rows the user has left at least once: their problems are shown from then on. */
  const [visited, setVisited] = useState<ReadonlySet<string>>(() => new Set());
  /** The row whose value suggestions are open (they close on Enter and when the row is left). */
  const [suggesting, setSuggesting] = useState<string | null>(null);

  const update = (id: string, patch: Partial<ParameterRow>) => onChange(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  const remove = (id: string) => onChange(rows.filter((row) => row.id !== id));
  const add = () => onChange([...rows, { id: newRowId(), name: '', values: [] }]);
  const leave = (id: string) => {
    setSuggesting((current) => (current === id ? null : current));
    setVisited((seen) => (seen.has(id) ? seen : new Set(seen).add(id)));
  };

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
        const ownProblem = showAllProblems || visited.has(row.id) ? problems[row.id] : undefined;
        const error = errors[row.name.trim()] ?? ownProblem;
        const hint = known
          ? [known.description, known.type && `type ${known.type}`, known.choices?.length ? `choices: ${known.choices.join(', ')}` : null]
              .filter(Boolean)
              .join(' · ')
          : undefined;
        const choices = known?.choices?.map(String) ?? (known?.type === 'bool' ? ['true', 'false'] : []);
        return (
          <Box
            key={row.id}
            data-testid="parameter-row"
            data-name={row.name}
            onBlur={(event: React.FocusEvent<HTMLDivElement>) => {
              if (!event.currentTarget.contains(event.relatedTarget as Node | null)) leave(row.id);
            }}
            style={{
              display: 'grid',
              gridTemplateColumns: 'minmax(9rem, 14rem) minmax(0, 1fr) auto',
              gap: 'var(--mantine-spacing-xs)',
              alignItems: 'start',
            }}
          >
            <Autocomplete
              aria-label={`Parameter ${index + 1} name`}
              placeholder="flag, e.g. tp-size"
              data={names}
              limit={30}
              value={row.name}
              onChange={(name) => update(row.id, { name })}
              description={hint ? <span title={hint}>{hint}</span> : undefined}
              styles={{ description: { display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden' } }}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
            />
            <TagsInput
              aria-label={`Values of ${row.name || `parameter ${index + 1}`}`}
              placeholder={row.values.length ? 'Add value' : 'Type a value, press Enter'}
              value={row.values.map(formatChipValue)}
              onChange={(texts) => update(row.id, { values: texts.map(parseChipValue) })}
              splitChars={[',', ' ']}
              isDuplicate={(text, current) => current.some((c) => valueKey(parseChipValue(c)) === valueKey(parseChipValue(text)))}
              data={choices}
              dropdownOpened={suggesting === row.id && choices.length > 0}
              onDropdownOpen={() => setSuggesting(row.id)}
              onDropdownClose={() => setSuggesting((current) => (current === row.id ? null : current))}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === 'Escape') setSuggesting(null);
                else if (event.key.length === 1 || event.key === 'ArrowDown') setSuggesting(row.id);
              }}
              maxDropdownHeight={180}
              comboboxProps={{ position: 'bottom-start', middlewares: { flip: true, shift: true } }}
              error={error}
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
          </Box>
        );
      })}
      <Group wrap="wrap" gap="xs">
        <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={add}>
          Add parameter
        </Button>
        <Text size="xs" c="dimmed" style={{ flex: '1 1 16rem' }}>
          Numbers stay numbers, true/false become booleans; quote a value ("4") to keep it as text.
        </Text>
      </Group>
    </Stack>
  );
}
