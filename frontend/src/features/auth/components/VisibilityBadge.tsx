/** Owner and visibility of a preset or a task: a badge (Private / Teams: A, B / Public) and the owner. */
import { Badge, Group, Text } from '@mantine/core';
import { IconLock, IconUsersGroup, IconWorld } from '@tabler/icons-react';
import { visibilityLabel, type Owned } from '../lib/permissions';
import { useViewer } from '../lib/viewerContext';

const ICONS = { private: IconLock, teams: IconUsersGroup, public: IconWorld } as const;
const COLORS = { private: 'gray', teams: 'violet', public: 'teal' } as const;

export function VisibilityBadge({ object }: { object: Owned }) {
  const { teamNames } = useViewer();
  const Icon = ICONS[object.visibility];
  const label = visibilityLabel(object, teamNames);
  return (
    <Badge
      size="xs"
      variant="light"
      color={COLORS[object.visibility]}
      leftSection={<Icon size={10} />}
      data-testid="visibility"
      style={{ flexShrink: 0 }}
    >
      {label}
    </Badge>
  );
}

/** "by alice · Teams: ml" — shown only when accounts are on. */
export function OwnerLine({ object }: { object: Owned }) {
  const { viewer } = useViewer();
  if (viewer.mode !== 'signed-in' || object.is_system) return null;
  const mine = object.owner !== null && object.owner === viewer.username;
  return (
    <Group gap={6} wrap="wrap" data-testid="owner-line">
      <Text size="xs" c="dimmed" data-testid="owner" className="wrap-anywhere">
        {mine ? 'yours' : `by ${object.owner ?? 'nobody'}`}
      </Text>
      <VisibilityBadge object={object} />
    </Group>
  );
}
