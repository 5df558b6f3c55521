/**
 * A preset's history: its versions newest first (number, when, by whom, note), what changed
 * between any two, and Restore (a new version equal to an old one; history is never rewritten).
 */
import { Alert, Badge, Button, Drawer, Group, Modal, Paper, Select, Skeleton, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconHistory, IconRestore } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { fullDate, relativeTime } from '../../../lib/dates';
import { formatValues, type Scalar } from '../../../lib/parameterSpace';
import { canEdit, useViewer } from '../../auth';
import { usePresetDiff, usePresetVersions, useRestorePresetVersion } from '../api/presetService';
import type { Preset, PresetVersionSummary, SpaceDiff } from '../types/preset';

/** The words for a version's kind of change. */
export const CHANGE_LABELS: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  restored: 'Restored',
  base_changed: 'Base changed',
  detached: 'Detached',
  imported: 'Imported',
  system_release: 'System release',
  migrated: 'Migrated',
};

interface Props {
  preset: Preset | null;
  onClose: () => void;
  /** The version to show first (a task's link names the version it was built from). */
  focusVersion?: number | null;
}

export function PresetHistoryDrawer({ preset, onClose, focusVersion }: Props) {
  return (
    <Drawer
      opened={!!preset}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Group gap={8} wrap="nowrap">
          <IconHistory size={20} />
          <Text fw={650} className="wrap-anywhere">
            History of “{preset?.name}”
          </Text>
        </Group>
      }
    >
      {preset && <History key={`${preset.id}-${focusVersion ?? ''}`} preset={preset} focusVersion={focusVersion ?? null} />}
    </Drawer>
  );
}

/** Which two versions to compare, given the one the user picked (null: the latest change). */
export function comparePair(picked: number | null, current: number): { from: number | null; to: number } {
  const to = picked ?? current;
  return { from: to > 1 ? to - 1 : null, to };
}

function History({ preset, focusVersion }: { preset: Preset; focusVersion: number | null }) {
  const { viewer } = useViewer();
  // Restoring is a change: offered to those who may edit it (never for system presets).
  const restorable = !preset.is_system && canEdit(viewer, preset);
  const page = usePresetVersions(preset.id);
  const current = page.data?.current_version ?? preset.version;
  const initial = comparePair(focusVersion, current);
  const [from, setFrom] = useState<number | null>(initial.from);
  const [to, setTo] = useState<number | null>(focusVersion ?? null);
  const shownTo = to ?? current;
  const [toRestore, setToRestore] = useState<PresetVersionSummary | null>(null);

  if (page.isPending) {
    return (
      <Stack gap="xs">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} height={56} radius="sm" />
        ))}
      </Stack>
    );
  }
  if (page.isError) return <ApiErrorAlert error={page.error} title="The history could not be loaded" />;
  const versions = page.data.versions;
  const choices = versions.map((v) => ({ value: String(v.number), label: `Version ${v.number}${v.number === current ? ' (current)' : ''}` }));

  const pick = (number: number) => {
    const pair = comparePair(number, current);
    setTo(pair.to);
    setFrom(pair.from);
  };

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {page.data.total} {page.data.total === 1 ? 'version' : 'versions'}; pick one to see what it changed, or compare any two.
      </Text>
      <Stack gap={6} data-testid="preset-versions">
        {versions.map((v) => (
          <VersionRow
            key={v.number}
            version={v}
            current={v.number === current}
            selected={v.number === shownTo}
            onPick={() => pick(v.number)}
            onRestore={() => setToRestore(v)}
            canRestore={restorable}
          />
        ))}
      </Stack>
      <Paper withBorder radius="md" p="md" data-testid="version-diff">
        <Group gap="sm" mb="sm" wrap="wrap" align="flex-end">
          <Select
            label="From"
            data={choices}
            value={from ? String(from) : null}
            onChange={(v) => setFrom(v ? Number(v) : null)}
            w={190}
            aria-label="Compare from version"
            allowDeselect={false}
          />
          <Select
            label="To"
            data={choices}
            value={String(shownTo)}
            onChange={(v) => setTo(v ? Number(v) : null)}
            w={190}
            aria-label="Compare to version"
            allowDeselect={false}
          />
        </Group>
        {from == null ? (
          <Text size="sm" c="dimmed">
            Version {shownTo} is the first: there is nothing before it to compare with.
          </Text>
        ) : from === shownTo ? (
          <Text size="sm" c="dimmed">
            Pick two different versions.
          </Text>
        ) : (
          <DiffView presetId={preset.id} a={from} b={shownTo} />
        )}
      </Paper>
      <RestoreDialog preset={preset} version={toRestore} current={current} onClose={() => setToRestore(null)} />
    </Stack>
  );
}

interface RowProps {
  version: PresetVersionSummary;
  current: boolean;
  selected: boolean;
  canRestore: boolean;
  onPick: () => void;
  onRestore: () => void;
}

function VersionRow({ version: v, current, selected, canRestore, onPick, onRestore }: RowProps) {
  return (
    <Paper
      withBorder
      radius="sm"
      p="xs"
      data-testid="preset-version"
      data-version={v.number}
      data-selected={selected}
      bg={selected ? 'var(--mantine-color-indigo-light)' : undefined}
      style={{ cursor: 'pointer' }}
      onClick={onPick}
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap={6} wrap="wrap">
            <Text fw={650} size="sm">
              Version {v.number}
            </Text>
            <Badge size="xs" variant="light" color="gray">
              {CHANGE_LABELS[v.change] ?? v.change}
            </Badge>
            {current && (
              <Badge size="xs" variant="filled" color="teal">
                current
              </Badge>
            )}
          </Group>
          <Text size="xs" c="dimmed" title={fullDate(v.created_at)}>
            {relativeTime(v.created_at)} by {v.author}
          </Text>
          {v.change_note && (
            <Text size="sm" className="wrap-anywhere" data-testid="version-note">
              “{v.change_note}”
            </Text>
          )}
          <Text size="xs" c="dimmed" className="wrap-anywhere">
            {v.summary}
          </Text>
        </Stack>
        {!current && canRestore && (
          <Button
            size="compact-xs"
            variant="light"
            leftSection={<IconRestore size={12} />}
            onClick={(e) => {
              e.stopPropagation();
              onRestore();
            }}
            aria-label={`Restore version ${v.number}`}
            style={{ flexShrink: 0 }}
          >
            Restore
          </Button>
        )}
      </Group>
    </Paper>
  );
}

const shown = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.every((x) => typeof x !== 'object') ? formatValues(value as Scalar[]) : JSON.stringify(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** What changed from version a to b: fields, then parameters added, removed and changed. */
function DiffView({ presetId, a, b }: { presetId: number; a: number; b: number }) {
  const diff = usePresetDiff(presetId, a, b);
  if (diff.isPending) return <Skeleton height={80} />;
  if (diff.isError) return <ApiErrorAlert error={diff.error} title="The difference could not be loaded" />;
  const d = diff.data;
  const effectiveDiffers = JSON.stringify(d.effective_parameters) !== JSON.stringify(d.parameters);
  return (
    <Stack gap="sm" data-testid="diff-body">
      <Text size="sm" fw={500} className="wrap-anywhere">
        {d.summary}
      </Text>
      {d.fields.length > 0 && (
        <Stack gap={2}>
          <Text size="xs" fw={600} tt="uppercase" c="dimmed">
            Fields
          </Text>
          {d.fields.map((f) => (
            <Text key={f.field} size="sm" className="wrap-anywhere" data-testid="diff-field">
              <b>{f.field}</b>: <s>{shown(f.before)}</s> → {shown(f.after)}
            </Text>
          ))}
        </Stack>
      )}
      <SpaceDiffView title="Its own parameters" diff={d.parameters} />
      {effectiveDiffers && <SpaceDiffView title="Effective parameters (with its bases)" diff={d.effective_parameters} />}
    </Stack>
  );
}

function SpaceDiffView({ title, diff }: { title: string; diff: SpaceDiff }) {
  const empty = diff.added.length + diff.removed.length + diff.changed.length === 0;
  return (
    <Stack gap={2}>
      <Text size="xs" fw={600} tt="uppercase" c="dimmed">
        {title}
      </Text>
      {empty && (
        <Text size="sm" c="dimmed">
          No change.
        </Text>
      )}
      {diff.added.map((e) => (
        <Text key={`+${e.parameter}`} size="sm" ff="monospace" c="teal.8" className="wrap-anywhere" data-testid="diff-added">
          + {e.parameter}: {shown(e.values)}
        </Text>
      ))}
      {diff.removed.map((e) => (
        <Text key={`-${e.parameter}`} size="sm" ff="monospace" c="red.8" className="wrap-anywhere" data-testid="diff-removed">
          − {e.parameter}: {shown(e.values)}
        </Text>
      ))}
      {diff.changed.map((c) => (
        <Text key={`~${c.parameter}`} size="sm" ff="monospace" c="orange.9" className="wrap-anywhere" data-testid="diff-changed">
          ~ {c.parameter}: {shown(c.before)} → {shown(c.after)}
        </Text>
      ))}
    </Stack>
  );
}

function RestoreDialog({ preset, version, current, onClose }: { preset: Preset; version: PresetVersionSummary | null; current: number; onClose: () => void }) {
  const restore = useRestorePresetVersion();
  const [note, setNote] = useState('');
  const confirm = () => {
    if (!version) return;
    restore.mutate(
      { id: preset.id, number: version.number, current, note: note.trim() || undefined },
      {
        onSuccess: (saved) => {
          notifications.show({
            color: 'teal',
            title: 'Version restored',
            message: `“${saved.name}” is now version ${saved.version}, equal to version ${version.number}.`,
          });
          setNote('');
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened={!!version} onClose={onClose} title={<Text fw={650}>Restore version {version?.number}</Text>} centered zIndex={400}>
      <Stack>
        <Text size="sm" className="wrap-anywhere">
          Make “{preset.name}” equal to version {version?.number} again? This adds version {current + 1}; every version stays in the history.
        </Text>
        <Textarea label="Note" placeholder="Why (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={1} />
        {restore.error ? (
          <Alert color="red" variant="light" role="alert">
            {errorMessage(restore.error)}
          </Alert>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={confirm} loading={restore.isPending} leftSection={<IconRestore size={16} />}>
            Restore version {version?.number}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
