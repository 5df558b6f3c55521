import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  CloseButton,
  EmptyState,
  FileButton,
  Group,
  Modal,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconCopy,
  IconDownload,
  IconLock,
  IconPencil,
  IconPlus,
  IconSearch,
  IconStack2,
  IconTrash,
  IconUpload,
} from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { ParameterChips } from '../components/ParameterChips';
import { PresetFormModal, type PresetFormMode } from '../components/PresetFormModal';
import { fullDate, relativeTime } from '../lib/dates';
import { presetService, useDeletePreset, useImportPreset, usePresets } from '../services/presetService';
import type { Preset } from '../types/preset';

const CATEGORY_COLORS: Record<string, string> = {
  performance: 'violet',
  memory: 'cyan',
  general: 'teal',
  custom: 'orange',
};

export function categoryColor(category: string | null | undefined) {
  return CATEGORY_COLORS[category ?? ''] ?? 'gray';
}

const RUNTIME_LABELS: Record<string, string> = { sglang: 'SGLang', vllm: 'vLLM', llamacpp: 'llama.cpp' };

export function PresetsPage() {
  const [category, setCategory] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const all = usePresets();
  const filtered = usePresets({ category: category ?? undefined, q: q || undefined });
  const [formMode, setFormMode] = useState<PresetFormMode | null>(null);
  const [toDelete, setToDelete] = useState<Preset | null>(null);
  const [importError, setImportError] = useState<{ error: unknown; file: File } | null>(null);
  const deletion = useDeletePreset();
  const importer = useImportPreset();

  const categories = useMemo(
    () => [...new Set((all.data ?? []).map((p) => p.category).filter((c): c is string => !!c))].sort(),
    [all.data],
  );
  const names = useMemo(() => (all.data ?? []).map((p) => p.name), [all.data]);

  const runImport = (file: File | null, onConflict: 'error' | 'rename' = 'error') => {
    if (!file) return;
    setImportError(null);
    importer.mutate(
      { file, onConflict },
      {
        onSuccess: (result) => {
          const imported = result.imported.map((p) => `“${p.name}”`).join(', ');
          notifications.show({
            color: 'teal',
            title: 'Import finished',
            message: imported ? `Imported ${imported}.` : `Nothing imported; skipped ${(result.skipped ?? []).join(', ')}.`,
          });
        },
        onError: (error) => {
          setImportError({ error, file });
          notifications.show({ color: 'red', title: 'Import refused', message: errorMessage(error), autoClose: 8000 });
        },
      },
    );
  };

  const confirmDelete = () => {
    if (!toDelete) return;
    const preset = toDelete;
    deletion.mutate(preset, {
      onSuccess: () => {
        notifications.show({ color: 'teal', title: 'Preset deleted', message: `“${preset.name}” was deleted.` });
        setToDelete(null);
      },
      onError: (error) => {
        notifications.show({ color: 'red', title: 'Not deleted', message: errorMessage(error) });
        setToDelete(null);
      },
    });
  };

  const rows = filtered.data ?? [];
  const filtering = !!category || !!q;

  return (
    <>
      <PageHeader
        title="Parameter presets"
        description="Reusable pieces of a parameter space. Combine them on the New Task page."
        actions={
          <>
            <FileButton onChange={(file) => runImport(file)} accept=".json,application/json">
              {(props) => (
                <Button {...props} variant="default" leftSection={<IconUpload size={16} />} loading={importer.isPending}>
                  Import
                </Button>
              )}
            </FileButton>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setFormMode({ kind: 'create' })}>
              Create preset
            </Button>
          </>
        }
      />

      {importError && (
        <Alert
          color="red"
          variant="light"
          title={`“${importError.file.name}” was not imported`}
          role="alert"
          mb="md"
          withCloseButton
          onClose={() => setImportError(null)}
          data-testid="import-error"
        >
          <Stack gap="xs">
            <Text size="sm">{errorMessage(importError.error)}</Text>
            {importError.error instanceof ApiError && importError.error.status === 409 && (
              <Group>
                <Button size="xs" variant="light" onClick={() => runImport(importError.file, 'rename')}>
                  Import as a copy under a new name
                </Button>
              </Group>
            )}
          </Stack>
        </Alert>
      )}

      <Paper withBorder p="md" shadow="xs">
        <Group mb="md" gap="sm">
          <TextInput
            placeholder="Search by name, description or tag"
            aria-label="Search presets"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            rightSection={search ? <CloseButton size="sm" aria-label="Clear search" onClick={() => setSearch('')} /> : null}
            style={{ flex: 1, maxWidth: 420 }}
          />
          <Select
            aria-label="Filter by category"
            placeholder="All categories"
            data={categories.map((c) => ({ value: c, label: c[0].toUpperCase() + c.slice(1) }))}
            value={category}
            onChange={setCategory}
            clearable
            w={200}
          />
          <Text size="sm" c="dimmed" ml="auto">
            {filtered.data ? `${rows.length} of ${all.data?.length ?? rows.length} presets` : ''}
          </Text>
        </Group>

        {filtered.isPending ? (
          <Stack gap="xs" data-testid="presets-loading">
            {[0, 1, 2, 3].map((i) => (
              <Skeleton key={i} height={44} radius="sm" />
            ))}
          </Stack>
        ) : filtered.isError ? (
          <ApiErrorAlert error={filtered.error} title="The presets could not be loaded" />
        ) : rows.length === 0 ? (
          <EmptyState
            py="xl"
            icon={<IconStack2 size={26} />}
            variant="light"
            title={filtering ? 'No preset matches' : 'No presets yet'}
            description={
              filtering
                ? 'Try another search or clear the category filter.'
                : 'Create a preset or import one from a JSON file.'
            }
          >
            {filtering && (
              <EmptyState.Actions>
                <Button
                  variant="light"
                  onClick={() => {
                    setSearch('');
                    setCategory(null);
                  }}
                >
                  Clear filters
                </Button>
              </EmptyState.Actions>
            )}
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Presets">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Category</Table.Th>
                  <Table.Th>Runtime</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th>Parameters</Table.Th>
                  <Table.Th>Updated</Table.Th>
                  <Table.Th style={{ textAlign: 'right' }}>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((preset) => (
                  <PresetRow
                    key={preset.id}
                    preset={preset}
                    onEdit={() => setFormMode({ kind: 'edit', preset })}
                    onDuplicate={() => setFormMode({ kind: 'duplicate', preset })}
                    onDelete={() => setToDelete(preset)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>

      <PresetFormModal mode={formMode} onClose={() => setFormMode(null)} categories={categories} names={names} />

      <Modal
        opened={!!toDelete}
        onClose={() => setToDelete(null)}
        title={<Text fw={650}>Delete preset</Text>}
        centered
      >
        <Stack>
          <Text size="sm">
            Delete the preset <b>“{toDelete?.name}”</b>? Tasks created from it keep their parameters; the preset itself cannot
            be restored.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setToDelete(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={confirmDelete} loading={deletion.isPending}>
              Delete “{toDelete?.name}”
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function PresetRow({
  preset,
  onEdit,
  onDuplicate,
  onDelete,
}: {
  preset: Preset;
  onEdit: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
}) {
  const exportName = `preset-${preset.slug}.json`;
  return (
    <Table.Tr data-testid="preset-row" data-preset-name={preset.name}>
      <Table.Td miw={220}>
        <Group gap={6} wrap="nowrap">
          <Text fw={600} size="sm" style={{ whiteSpace: 'nowrap' }}>
            {preset.name}
          </Text>
          {preset.is_system && (
            <Badge size="xs" variant="light" color="indigo" leftSection={<IconLock size={10} />} style={{ flexShrink: 0, overflow: 'visible' }}>
              System
            </Badge>
          )}
        </Group>
        {(preset.metadata?.tags ?? []).length > 0 && (
          <Text size="xs" c="dimmed" mt={2}>
            {(preset.metadata?.tags ?? []).map((t) => `#${t}`).join(' ')}
          </Text>
        )}
      </Table.Td>
      <Table.Td miw={130}>
        {preset.category ? (
          <Badge
            variant="dot"
            color={categoryColor(preset.category)}
            tt="none"
            styles={{ root: { overflow: 'visible', maxWidth: 'none' }, label: { overflow: 'visible' } }}
          >
            {preset.category}
          </Badge>
        ) : (
          <Text size="xs" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{preset.runtime ? RUNTIME_LABELS[preset.runtime] ?? preset.runtime : 'Any'}</Text>
      </Table.Td>
      <Table.Td maw={240}>
        <Text size="sm" c="dimmed" lineClamp={2}>
          {preset.description || '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        <ParameterChips space={preset.parameters} />
      </Table.Td>
      <Table.Td>
        <Tooltip label={fullDate(preset.updated_at)}>
          <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {relativeTime(preset.updated_at)}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td>
        <Group gap={4} justify="flex-end" wrap="nowrap">
          {preset.is_system ? (
            <Button size="compact-sm" variant="light" leftSection={<IconCopy size={14} />} onClick={onDuplicate} aria-label={`Duplicate ${preset.name}`}>
              Duplicate
            </Button>
          ) : (
            <>
              <Tooltip label="Edit">
                <ActionIcon variant="subtle" aria-label={`Edit ${preset.name}`} onClick={onEdit}>
                  <IconPencil size={16} />
                </ActionIcon>
              </Tooltip>
              <Tooltip label="Duplicate">
                <ActionIcon variant="subtle" aria-label={`Duplicate ${preset.name}`} onClick={onDuplicate}>
                  <IconCopy size={16} />
                </ActionIcon>
              </Tooltip>
            </>
          )}
          <Tooltip label={`Export ${exportName}`}>
            <ActionIcon
              variant="subtle"
              component="a"
              href={presetService.exportUrl(preset.id)}
              download={exportName}
              aria-label={`Export ${preset.name}`}
              onClick={() =>
                notifications.show({ color: 'teal', title: 'Export started', message: `Downloading ${exportName}.` })
              }
            >
              <IconDownload size={16} />
            </ActionIcon>
          </Tooltip>
          {preset.is_system ? (
            <Tooltip label="System presets cannot be deleted; duplicate it to make your own.">
              <span>
                <ActionIcon variant="subtle" color="gray" disabled aria-label={`Cannot delete system preset ${preset.name}`}>
                  <IconLock size={16} />
                </ActionIcon>
              </span>
            </Tooltip>
          ) : (
            <Tooltip label="Delete">
              <ActionIcon variant="subtle" color="red" aria-label={`Delete ${preset.name}`} onClick={onDelete}>
                <IconTrash size={16} />
              </ActionIcon>
            </Tooltip>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
