import { Button, CloseButton, EmptyState, Group, Paper, Select, Skeleton, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconSearch, IconStack2 } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import {
  categoryLabel,
  DeletePresetDialog,
  ImportPresetButton,
  ImportRefusalAlert,
  PresetFormModal,
  PresetsTable,
  usePresetImport,
  usePresets,
  type Preset,
  type PresetFormMode,
} from '../features/presets';

export function PresetsPage() {
  const [category, setCategory] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const all = usePresets();
  const filtered = usePresets({ category: category ?? undefined, q: q || undefined });
  const [formMode, setFormMode] = useState<PresetFormMode | null>(null);
  const [toDelete, setToDelete] = useState<Preset | null>(null);
  const importer = usePresetImport();

  const categories = useMemo(
    () => [...new Set((all.data ?? []).map((p) => p.category).filter((c): c is string => !!c))].sort(),
    [all.data],
  );
  const names = useMemo(() => (all.data ?? []).map((p) => p.name), [all.data]);
  const rows = filtered.data ?? [];
  const filtering = !!category || !!q;

  return (
    <>
      <PageHeader
        title="Parameter presets"
        description="Reusable pieces of a parameter space. Combine them on the New Task page."
        actions={
          <>
            <ImportPresetButton onFile={importer.importFile} loading={importer.pending} />
            <Button leftSection={<IconPlus size={16} />} onClick={() => setFormMode({ kind: 'create' })}>
              Create preset
            </Button>
          </>
        }
      />

      {importer.refusal && (
        <ImportRefusalAlert refusal={importer.refusal} onChoose={importer.resolve} onDismiss={importer.dismiss} busy={importer.pending} />
      )}

      <Paper withBorder p="md" shadow="xs">
        <Group mb="md" gap="sm" wrap="wrap">
          <TextInput
            placeholder="Search by name, description or tag"
            aria-label="Search presets"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            rightSection={search ? <CloseButton size="sm" aria-label="Clear search" onClick={() => setSearch('')} /> : null}
            style={{ flex: '1 1 16rem', maxWidth: 420 }}
          />
          <Select
            aria-label="Filter by category"
            placeholder="All categories"
            data={categories.map((c) => ({ value: c, label: categoryLabel(c) }))}
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
            description={filtering ? 'Try another search or clear the category filter.' : 'Create a preset or import one from a JSON file.'}
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
          <PresetsTable
            presets={rows}
            onEdit={(preset) => setFormMode({ kind: 'edit', preset })}
            onDuplicate={(preset) => setFormMode({ kind: 'duplicate', preset })}
            onDelete={setToDelete}
          />
        )}
      </Paper>

      <PresetFormModal mode={formMode} onClose={() => setFormMode(null)} categories={categories} names={names} />
      <DeletePresetDialog preset={toDelete} onClose={() => setToDelete(null)} />
    </>
  );
}
