/**
 * The presets as a table whose columns share the card's width: names, descriptions and chips
 * wrap, the actions are icons that wrap onto a second line, and below 1200 px the category,
 * runtime and date move into the preset's own cell instead of widening the table.
 *
 * Long lists are virtualised against the window's scroll: from VIRTUALISE_FROM presets on, only
 * the rows near the viewport are in the DOM (each measured as it renders, since rows wrap to
 * different heights), between two spacer rows that keep the table's full height.
 */
import { ActionIcon, Badge, ColorSwatch, Group, List, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { measureElement, useWindowVirtualizer } from '@tanstack/react-virtual';
import { memo, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { IconAlertTriangle, IconCopy, IconDownload, IconHierarchy2, IconHistory, IconLock, IconPencil, IconShare, IconTrash } from '@tabler/icons-react';
import { labelOf, PRESET_RUNTIMES } from '../../../api/enums';
import { LazyPopover, LazyTooltip } from '../../../components/lazyFloating';
import { ParameterChips } from '../../../components/ParameterChips';
import { fullDate, relativeTime } from '../../../lib/dates';
import { canDelete, canEdit, canShare, OwnerLine, useViewer } from '../../auth';
import { useNewestCatalogs } from '../../runtimes';
import { presetService } from '../api/presetService';
import { categoryColor, categoryLabel } from '../categories';
import { outdatedFlags } from '../lib/outdated';
import type { Preset } from '../types/preset';

interface Props {
  presets: Preset[];
  onEdit: (preset: Preset) => void;
  /** Duplicate into the create dialog, prefilled (presets one may edit, and system presets). */
  onDuplicate: (preset: Preset) => void;
  onDelete: (preset: Preset) => void;
  /** Share dialog (shown to its owner and admins, when accounts are on). */
  onShare?: (preset: Preset) => void;
  /** Copy at once into a private preset of one's own (presets one may read but not edit). */
  onCopy?: (preset: Preset) => void;
  /** Open its history drawer (versions, diff, restore). */
  onHistory?: (preset: Preset) => void;
  /** Every preset the user sees (not only the filtered rows): who extends whom. */
  all?: Preset[];
}

const NONE: string[] = [];

/** From this many presets on, only the rows near the viewport are rendered. */
export const VIRTUALISE_FROM = 100;
/** A row's height before it is measured (a preset with a line of chips and its actions). */
const ESTIMATED_ROW_PX = 96;

export function PresetsTable({ presets, onEdit, onDuplicate, onDelete, onShare, onCopy, onHistory, all }: Props) {
  // The newest catalog of each engine the listed presets are for, fetched once per engine.
  const catalogs = useNewestCatalogs(presets.flatMap((p) => (p.runtime ? [p.runtime] : [])));
  // Who extends whom and the outdated flags, computed once per list (not per row and render), so
  // that a row re-renders only when its own data changes, not on every scroll of a long list.
  const extenders = useMemo(() => {
    const byId = new Map<number, string[]>();
    for (const p of all ?? presets) {
      for (const ref of p.extends ?? []) byId.set(ref.id, [...(byId.get(ref.id) ?? []), p.name]);
    }
    return byId;
  }, [all, presets]);
  const outdated = useMemo(
    () => new Map(presets.map((p) => [p.id, p.runtime && catalogs[p.runtime] ? outdatedFlags(p, catalogs[p.runtime]!) : NONE])),
    [presets, catalogs],
  );
  const renderRow = (preset: Preset, measure?: { index: number; ref: (el: HTMLTableRowElement | null) => void }) => (
    <PresetRow
      key={preset.id}
      preset={preset}
      index={measure?.index}
      measureRef={measure?.ref}
      onEdit={onEdit}
      onDuplicate={onDuplicate}
      onDelete={onDelete}
      onShare={onShare}
      onCopy={onCopy}
      onHistory={onHistory}
      extenders={extenders.get(preset.id) ?? NONE}
      outdated={outdated.get(preset.id) ?? NONE}
    />
  );
  return (
    <Table verticalSpacing="sm" highlightOnHover aria-label="Presets" aria-rowcount={presets.length + 1} className="fit-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="34%">Preset</Table.Th>
          <Table.Th w="14%" visibleFrom="lg">
            Category
          </Table.Th>
          <Table.Th w="32%">Parameters</Table.Th>
          <Table.Th w="10%" visibleFrom="lg">
            Updated
          </Table.Th>
          <Table.Th w={140} ta="right">
            Actions
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      {presets.length < VIRTUALISE_FROM ? (
        <Table.Tbody>{presets.map((preset) => renderRow(preset))}</Table.Tbody>
      ) : (
        <VirtualRows presets={presets} renderRow={renderRow} />
      )}
    </Table>
  );
}

interface VirtualRowsProps {
  presets: Preset[];
  renderRow: (preset: Preset, measure: { index: number; ref: (el: HTMLTableRowElement | null) => void }) => ReactNode;
}

/** The table's body with only the rows near the viewport, between spacers of the others' height. */
function VirtualRows({ presets, renderRow }: VirtualRowsProps) {
  const body = useRef<HTMLTableSectionElement>(null);
  // Where the body starts on the page: the window's scroll offset of its first row.
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => {
    if (body.current) setMargin(body.current.getBoundingClientRect().top + window.scrollY);
  }, [presets.length]);
  const virtualizer = useWindowVirtualizer({
    count: presets.length,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 6,
    scrollMargin: margin,
    getItemKey: (index) => presets[index]!.id,
    // A row not laid out (no size yet, or a test's DOM) keeps its estimate rather than collapsing to 0.
    measureElement: (el, entry, instance) => measureElement(el, entry, instance) || ESTIMATED_ROW_PX,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items[items.length - 1];
  const before = first ? first.start - margin : 0;
  const after = last ? virtualizer.getTotalSize() - (last.end - margin) : 0;
  return (
    <Table.Tbody ref={body} data-testid="presets-virtual-body">
      {before > 0 && <tr aria-hidden style={{ height: before }} data-testid="presets-spacer" />}
      {items.map((item) => renderRow(presets[item.index]!, { index: item.index, ref: virtualizer.measureElement }))}
      {after > 0 && <tr aria-hidden style={{ height: after }} data-testid="presets-spacer" />}
    </Table.Tbody>
  );
}

export function CategoryLabel({ category }: { category: string | null }) {
  if (!category) {
    return (
      <Text size="xs" c="dimmed">
        No category
      </Text>
    );
  }
  return (
    <Group gap={6} wrap="nowrap" align="center" data-testid="preset-category">
      <ColorSwatch size={8} color={`var(--mantine-color-${categoryColor(category)}-6)`} withShadow={false} style={{ flexShrink: 0 }} />
      <Text size="sm" className="wrap-anywhere">
        {categoryLabel(category)}
      </Text>
    </Group>
  );
}

function runtimeText(preset: Preset) {
  return preset.runtime ? labelOf(PRESET_RUNTIMES, preset.runtime) : 'Any runtime';
}

interface RowProps {
  preset: Preset;
  /** In a virtualised body: the row's index, and the ref that measures its height. */
  index?: number;
  measureRef?: (el: HTMLTableRowElement | null) => void;
  onEdit: (preset: Preset) => void;
  onDuplicate: (preset: Preset) => void;
  onDelete: (preset: Preset) => void;
  onShare?: (preset: Preset) => void;
  onCopy?: (preset: Preset) => void;
  onHistory?: (preset: Preset) => void;
  /** The names of the presets that extend it (those the user sees). */
  extenders: string[];
  /** Sentences about the flags its engine's newest catalog no longer has or has deprecated. */
  outdated: string[];
}

/** A warning badge whose popover (on hover, focus or click) lists the outdated flags' sentences. */
function OutdatedBadge({ sentences }: { sentences: string[] }) {
  const label = `${sentences.length} flag${sentences.length === 1 ? '' : 's'} outdated`;
  return (
    <LazyPopover
      width={340}
      position="bottom-start"
      withArrow
      shadow="md"
      dropdownProps={{ 'data-testid': 'preset-outdated-details' }}
      target={
        <Badge
          component="button"
          type="button"
          size="xs"
          variant="light"
          color="orange"
          leftSection={<IconAlertTriangle size={10} />}
          style={{ flexShrink: 0, cursor: 'pointer' }}
          data-testid="preset-outdated"
          aria-label={`${label}: ${sentences.join(' ')}`}
        >
          {label}
        </Badge>
      }
    >
      <Text size="xs" fw={600} mb={4}>
        The newest engine catalog does not accept these flags as written:
      </Text>
      <List size="xs" spacing={2}>
        {sentences.map((s) => (
          <List.Item key={s} data-testid="preset-outdated-sentence" className="wrap-anywhere">
            {s}
          </List.Item>
        ))}
      </List>
      <Text size="xs" c="dimmed" mt={6}>
        A task on this version would be refused at creation: edit the preset, or pin the task's runtime version to one that has them.
      </Text>
    </LazyPopover>
  );
}

/** One preset's row; memoised, so scrolling a long list re-renders only the rows that come into view. */
const PresetRow = memo(function PresetRow({ preset, index, measureRef, extenders, outdated, ...handlers }: RowProps) {
  const onEdit = () => handlers.onEdit(preset);
  const onDuplicate = () => handlers.onDuplicate(preset);
  const onDelete = () => handlers.onDelete(preset);
  const onShare = handlers.onShare && (() => handlers.onShare!(preset));
  const onCopy = handlers.onCopy && (() => handlers.onCopy!(preset));
  const onHistory = handlers.onHistory && (() => handlers.onHistory!(preset));
  const { viewer } = useViewer();
  const editable = canEdit(viewer, preset);
  const deletable = canDelete(viewer, preset);
  const shareable = !!onShare && viewer.mode === 'signed-in' && canShare(viewer, preset);
  // A preset one reads but may not edit is copied at once; the others open the prefilled dialog.
  const copyAtOnce = !preset.is_system && !editable && !!onCopy;
  const exportName = `preset-${preset.slug}.json`;
  const tags = preset.metadata?.tags ?? [];
  return (
    <Table.Tr data-testid="preset-row" data-preset-name={preset.name} ref={measureRef} data-index={index} aria-rowindex={index === undefined ? undefined : index + 2}>
      <Table.Td>
        <Stack gap={4}>
          <Group gap={6} wrap="wrap" align="center">
            <Text fw={600} size="sm" className="wrap-anywhere">
              {preset.name}
            </Text>
            {preset.is_system && (
              <Badge size="xs" variant="light" color="indigo" leftSection={<IconLock size={10} />} style={{ flexShrink: 0 }}>
                System
              </Badge>
            )}
            <Badge size="xs" variant="outline" color="gray" style={{ flexShrink: 0 }} data-testid="preset-version-badge">
              v{preset.version}
            </Badge>
            {preset.extended_by > 0 && (
              <LazyTooltip label={extenders.length ? `Extended by ${extenders.join(', ')}` : 'Extended by presets you cannot see'} multiline maw={320}>
                <Badge
                  size="xs"
                  variant="light"
                  color="grape"
                  leftSection={<IconHierarchy2 size={10} />}
                  style={{ flexShrink: 0 }}
                  data-testid="extended-by"
                  aria-label={`Extended by ${preset.extended_by}: ${extenders.join(', ')}`}
                >
                  extended by {preset.extended_by}
                </Badge>
              </LazyTooltip>
            )}
            {outdated.length > 0 && <OutdatedBadge sentences={outdated} />}
          </Group>
          {(preset.extends ?? []).length > 0 && (
            <Text size="xs" c="dimmed" className="wrap-anywhere" data-testid="preset-extends">
              extends {(preset.extends ?? []).map((ref) => ref.name).join(' → ')}
            </Text>
          )}
          <OwnerLine object={preset} />
          {preset.description && (
            <Text size="xs" c="dimmed" lineClamp={2} title={preset.description}>
              {preset.description}
            </Text>
          )}
          {tags.length > 0 && (
            <Text size="xs" c="dimmed" className="wrap-anywhere">
              {tags.map((t) => `#${t}`).join(' ')}
            </Text>
          )}
          {/* Below 1200 px the category, runtime and date live here, not in columns of their own. */}
          <Group gap="xs" hiddenFrom="lg" wrap="wrap" data-testid="preset-details">
            <CategoryLabel category={preset.category} />
            <Text size="xs" c="dimmed">
              {runtimeText(preset)} · updated {relativeTime(preset.updated_at)}
            </Text>
          </Group>
        </Stack>
      </Table.Td>
      <Table.Td visibleFrom="lg">
        <Stack gap={2}>
          <CategoryLabel category={preset.category} />
          <Text size="xs" c="dimmed">
            {runtimeText(preset)}
          </Text>
        </Stack>
      </Table.Td>
      <Table.Td>
        <ParameterChips space={(preset.extends ?? []).length ? preset.effective_parameters : preset.parameters} />
      </Table.Td>
      <Table.Td visibleFrom="lg">
        <LazyTooltip label={fullDate(preset.updated_at)}>
          <Text size="sm" c="dimmed">
            {relativeTime(preset.updated_at)}
          </Text>
        </LazyTooltip>
      </Table.Td>
      <Table.Td>
        <Group gap={2} justify="flex-end" wrap="wrap">
          {editable && (
            <LazyTooltip label="Edit">
              <ActionIcon variant="subtle" aria-label={`Edit ${preset.name}`} onClick={onEdit}>
                <IconPencil size={16} />
              </ActionIcon>
            </LazyTooltip>
          )}
          {onHistory && (
            <LazyTooltip label="History">
              <ActionIcon variant="subtle" aria-label={`History of ${preset.name}`} onClick={onHistory}>
                <IconHistory size={16} />
              </ActionIcon>
            </LazyTooltip>
          )}
          {shareable && (
            <LazyTooltip label="Share">
              <ActionIcon variant="subtle" aria-label={`Share ${preset.name}`} onClick={onShare}>
                <IconShare size={16} />
              </ActionIcon>
            </LazyTooltip>
          )}
          <LazyTooltip label={preset.is_system || copyAtOnce ? 'Duplicate: make your own editable copy' : 'Duplicate'}>
            <ActionIcon variant="subtle" aria-label={`Duplicate ${preset.name}`} onClick={copyAtOnce ? onCopy : onDuplicate}>
              <IconCopy size={16} />
            </ActionIcon>
          </LazyTooltip>
          <LazyTooltip label={`Export ${exportName}`}>
            <ActionIcon
              variant="subtle"
              component="a"
              href={presetService.exportUrl(preset.id)}
              download={exportName}
              aria-label={`Export ${preset.name}`}
              onClick={() => notifications.show({ color: 'teal', title: 'Export started', message: `Downloading ${exportName}.` })}
            >
              <IconDownload size={16} />
            </ActionIcon>
          </LazyTooltip>
          {preset.is_system ? (
            <LazyTooltip label="System presets cannot be deleted; duplicate it to make your own.">
              <span>
                <ActionIcon variant="subtle" color="gray" disabled aria-label={`Cannot delete system preset ${preset.name}`}>
                  <IconLock size={16} />
                </ActionIcon>
              </span>
            </LazyTooltip>
          ) : (
            deletable && (
              <LazyTooltip label="Delete">
                <ActionIcon variant="subtle" color="red" aria-label={`Delete ${preset.name}`} onClick={onDelete}>
                  <IconTrash size={16} />
                </ActionIcon>
              </LazyTooltip>
            )
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
});
