import { Button, CloseButton, EmptyState, Group, Paper, Skeleton, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconSearch, IconStack2 } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { errorMessage } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { LazySelect } from '../components/lazyFloating';
import { OwnerFilterSelect, ownerFilterQuery, ShareDialog, type OwnerFilter } from '../features/auth';
import {
  categoryLabel,
  DeletePresetDialog,
  ImportPresetButton,
  ImportRefusalAlert,
  PresetFormModal,
  PresetHistoryDrawer,
  PresetsTable,
  useCopyPreset,
  usePresetImport,
  usePresets,
  useSharePreset,
  type Preset,
  type PresetFormMode,
} from '../features/presets';

export function PresetsPage() {
  const [category, setCategory] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const all = usePresets();
  const [owner, setOwner] = useState<OwnerFilter>('all');
  const filtered = usePresets({ category: category ?? undefined, q: q || undefined, ...ownerFilterQuery(owner) });
  const [formMode, setFormMode] = useState<PresetFormMode | null>(null);
  const [toDelete, setToDelete] = useState<Preset | null>(null);
  const [toShare, setToShare] = useState<Preset | null>(null);
  const share = useSharePreset();
  const copy = useCopyPreset();
  const copyPreset = (preset: Preset) =>
    copy.mutate(preset, {
      onSuccess: (saved) =>
        notifications.show({ color: 'teal', title: 'Preset copied', message: `“${saved.name}” is your own copy of “${preset.name}”; edit it as you like.` }),
      onError: (err) => notifications.show({ color: 'red', title: 'Not copied', message: errorMessage(err) }),
    });
  const importer = usePresetImport();
  // The history drawer lives in the URL (?history=<id>&version=<n>), so a task can link to it.
  const [params, setParams] = useSearchParams();
  const historyId = Number(params.get('history')) || null;
  const historyVersion = Number(params.get('version')) || null;
  const historyPreset = historyId ? (all.data ?? []).find((p) => p.id === historyId) ?? null : null;
  const openHistory = (preset: Preset) => setParams({ history: String(preset.id) });
  const closeHistory = () => setParams({});

  const categories = useMemo(
    () => [...new Set((all.data ?? []).map((p) => p.category).filter((c): c is string => !!c))].sort(),
    [all.data],
  );
  const names = useMemo(() => (all.data ?? []).map((p) => p.name), [all.data]);
  const rows = filtered.data ?? [];
  const filtering = !!category || !!q || owner !== 'all';

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
          <LazySelect
            aria-label="Filter by category"
            placeholder="All categories"
            data={categories.map((c) => ({ value: c, label: categoryLabel(c) }))}
            value={category}
            onChange={setCategory}
            clearable
            w={200}
          />
          <OwnerFilterSelect label="Filter by owner" value={owner} onChange={setOwner} />
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
                    setOwner('all');
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
            onShare={setToShare}
            onCopy={copyPreset}
            onHistory={openHistory}
            all={all.data}
          />
        )}
      </Paper>

      <PresetFormModal mode={formMode} onClose={() => setFormMode(null)} categories={categories} names={names} presets={all.data ?? []} />
      <PresetHistoryDrawer preset={historyPreset} onClose={closeHistory} focusVersion={historyVersion} />
      <DeletePresetDialog preset={toDelete} onClose={() => setToDelete(null)} />
      <ShareDialog
        object={toShare}
        kind="preset"
        onClose={() => setToShare(null)}
        onSave={async (sharing) => {
          if (!toShare) return;
          const saved = await share.mutateAsync({ id: toShare.id, sharing });
          notifications.show({ color: 'teal', title: 'Sharing saved', message: `“${saved.name}” is now ${sharing.visibility}.` });
        }}
      />
    </>
  );
}
