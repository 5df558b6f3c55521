/**
 * A suggestion: the figures of the memory model, each flag's values with the reason for each
 * (labelled memory model or history, with its experiment count), the presets that did well on
 * similar contexts, and what to do with it (save as a preset, use in the task being written).
 */
import { Alert, Badge, Button, Group, Modal, Paper, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconDeviceFloppy, IconPlayerPlay } from '@tabler/icons-react';
import { useState } from 'react';
import type { PresetRuntime } from '../../../api/enums';
import { ApiErrorAlert, topFieldErrors } from '../../../components/ApiErrorAlert';
import type { ParameterSpace } from '../../../lib/parameterSpace';
import { useCreatePreset } from '../../presets';
import { formatBytes, formatScore, reasonLabel, reasonsByFlag, suggestionSpace, valueLabel } from '../lib/analytics';
import type { Suggestion } from '../types';

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div title={hint}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={700}>{value}</Text>
    </div>
  );
}

interface Props {
  suggestion: Suggestion;
  runtime: PresetRuntime;
  /** What the suggestion was for (the preset's default name and description). */
  modelLabel: string;
  /** "Use in task": given on the New Task page only. */
  onUse?: (space: ParameterSpace) => void;
}

export function SuggestionView({ suggestion, runtime, modelLabel, onUse }: Props) {
  const [saving, setSaving] = useState(false);
  const f = suggestion.figures;
  const space = suggestionSpace(suggestion);
  return (
    <Stack gap="md" data-testid="suggestion">
      {suggestion.warnings.map((w) => (
        <Alert key={w} color="yellow" variant="light" icon={<IconAlertTriangle size={18} />}>
          {w}
        </Alert>
      ))}
      <Paper withBorder p="md">
        <Text fw={600} size="sm" mb={6}>
          Memory model
        </Text>
        <SimpleGrid cols={{ base: 2, sm: 5 }}>
          <Figure label="Weights" value={`${f.weights_gb.toFixed(1)} GB`} />
          <Figure label="KV per token" value={formatBytes(f.kv_bytes_per_token)} />
          <Figure label="KV cache" value={`${f.kv_cache_gb.toFixed(1)} GB`} />
          <Figure label="KV tokens" value={f.kv_tokens.toLocaleString('en-US')} />
          <Figure label="tp-size" value={String(f.tp_size)} />
        </SimpleGrid>
      </Paper>
      <div>
        <Title order={5} mb={6}>
          Suggested space
        </Title>
        <Table.ScrollContainer minWidth={520}>
          <Table fz="sm" aria-label="Suggested space" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={200}>Flag</Table.Th>
                <Table.Th>Values and why</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {reasonsByFlag(suggestion).map((row) => (
                <Table.Tr key={row.flag}>
                  <Table.Td style={{ verticalAlign: 'top' }}>
                    <Text ff="monospace" size="sm">
                      {row.flag}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} mb={row.reasons.length ? 4 : 0}>
                      {row.values.map((v) => (
                        <Badge key={String(v)} variant="light" radius="sm" tt="none">
                          {valueLabel(v)}
                        </Badge>
                      ))}
                    </Group>
                    {row.reasons.map((r, i) => (
                      <Group key={i} gap={6} wrap="nowrap" align="flex-start">
                        <Badge size="xs" variant="outline" color={r.source === 'history' ? 'teal' : 'indigo'} tt="none" style={{ flexShrink: 0 }}>
                          {reasonLabel(r)}
                        </Badge>
                        <Text size="xs">
                          <b>{r.values.map(valueLabel).join(', ')}</b>: {r.text}
                        </Text>
                      </Group>
                    ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </div>
      <div>
        <Title order={5} mb={6}>
          Presets that did well on similar contexts
        </Title>
        {suggestion.presets.length === 0 ? (
          <Text size="sm" c="dimmed">
            No preset has run on a similar context yet: the suggestion comes from the memory model alone.
          </Text>
        ) : (
          <Table fz="sm" striped aria-label="Ranked presets">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Preset</Table.Th>
                <Table.Th ta="right">Score</Table.Th>
                <Table.Th ta="right">Experiments</Table.Th>
                <Table.Th ta="right">Similarity</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {suggestion.presets.map((p) => (
                <Table.Tr key={p.preset_id}>
                  <Table.Td>{p.name}</Table.Td>
                  <Table.Td ta="right">{formatScore(p.score)}</Table.Td>
                  <Table.Td ta="right">{p.experiments}</Table.Td>
                  <Table.Td ta="right">{Math.round(p.similarity * 100)}%</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </div>
      <Group justify="flex-end">
        <Button variant="default" leftSection={<IconDeviceFloppy size={16} />} onClick={() => setSaving(true)}>
          Save as preset
        </Button>
        {onUse && (
          <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => onUse(space)}>
            Use in task
          </Button>
        )}
      </Group>
      <Modal opened={saving} onClose={() => setSaving(false)} title={<Text fw={650}>Save the suggestion as a preset</Text>}>
        {saving && <SaveSuggestionForm space={space} runtime={runtime} modelLabel={modelLabel} onDone={() => setSaving(false)} />}
      </Modal>
    </Stack>
  );
}

function SaveSuggestionForm({
  space,
  runtime,
  modelLabel,
  onDone,
}: {
  space: ParameterSpace;
  runtime: PresetRuntime;
  modelLabel: string;
  onDone: () => void;
}) {
  const create = useCreatePreset();
  const short = modelLabel.split('/').pop() ?? modelLabel;
  const [name, setName] = useState(`suggested ${short} ${runtime}`.slice(0, 100));
  const [description, setDescription] = useState(`Suggested for ${modelLabel} on ${runtime} by the memory model and past experiments.`);
  const nameProblem = topFieldErrors(create.error).name;
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    create.mutate(
      { name: name.trim(), description: description.trim() || null, category: 'performance', runtime, parameters: space },
      {
        onSuccess: (preset) => {
          notifications.show({ color: 'teal', title: 'Preset saved', message: `“${preset.name}” holds the suggested space.` });
          onDone();
        },
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Save suggestion as preset">
      <Stack gap="sm">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameProblem} data-autofocus />
        <Textarea label="Description" autosize minRows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        {create.error && !nameProblem && <ApiErrorAlert error={create.error} title="The preset was not saved" withFieldErrors />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
            Save preset
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
