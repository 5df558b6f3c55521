/** The owner filter beside a list's other filters: all visible, mine, one of my teams', or public. */
import { LazySelect } from '../../../components/lazyFloating';
import type { OwnerFilter } from '../lib/permissions';
import { useViewer } from '../lib/viewerContext';

export function OwnerFilterSelect({ value, onChange, label }: { value: OwnerFilter; onChange: (value: OwnerFilter) => void; label: string }) {
  const { viewer, teamNames } = useViewer();
  if (viewer.mode !== 'signed-in') return null;
  const teams = new Map<number, string>(viewer.teams.map((t) => [t.id, t.name]));
  if (viewer.isAdmin) for (const [id, name] of teamNames) teams.set(id, name);
  const data = [
    { value: 'all', label: 'Everything I can see' },
    { value: 'mine', label: 'Mine' },
    { value: 'public', label: 'Public' },
    ...[...teams].map(([id, name]) => ({ value: `team:${id}`, label: `Team: ${name}` })),
  ];
  return (
    <LazySelect
      aria-label={label}
      data={data}
      value={value}
      onChange={(v) => onChange((v ?? 'all') as OwnerFilter)}
      allowDeselect={false}
      w={200}
    />
  );
}
