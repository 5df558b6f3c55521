/**
 * The header's account corner. Single-user mode: a discreet note that opens how to create the
 * first admin. Signed in: the user, their teams, and Sign out.
 */
import { Badge, Button, Code, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconLogout, IconUser } from '@tabler/icons-react';
import { LazyPopover, LazyTooltip } from '../../../components/lazyFloating';
import { useLogout } from '../api/authService';
import { useViewer } from '../lib/viewerContext';

export function AccountMenu() {
  const { viewer } = useViewer();
  const logout = useLogout();
  if (viewer.mode === 'single-user') {
    return (
      <LazyPopover
        width={340}
        position="bottom-end"
        shadow="md"
        withArrow
        target={
          <UnstyledButton aria-label="Single-user mode: how to switch sign-in on">
            <Badge variant="dot" color="gray" size="sm" style={{ cursor: 'pointer' }} data-testid="single-user-note">
              single-user mode
            </Badge>
          </UnstyledButton>
        }
      >
        <Stack gap={6}>
          <Text size="sm" fw={600}>
            No sign-in needed on this machine
          </Text>
          <Text size="xs">
            No user exists yet, so requests from this machine act as its operator. Creating the first admin switches sign-in
            on for everyone; run on the service&apos;s machine:
          </Text>
          <Code block>autotuner users create NAME --admin</Code>
          <Text size="xs" c="dimmed">
            See “Users, teams and tokens” in the README.
          </Text>
        </Stack>
      </LazyPopover>
    );
  }
  const names = viewer.teams.map((t) => t.name);
  const teams = names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ');
  return (
    <Group gap="xs" wrap="nowrap" data-testid="account">
      <Group gap={4} wrap="nowrap">
        <IconUser size={16} />
        <Text size="sm" fw={600} data-testid="account-user">
          {viewer.username}
        </Text>
        {viewer.isAdmin && (
          <Badge size="xs" variant="light" color="indigo">
            admin
          </Badge>
        )}
      </Group>
      {teams && (
        <LazyTooltip label={`Your teams: ${names.join(', ')}`}>
          <Text size="xs" c="dimmed" visibleFrom="lg" data-testid="account-teams">
            teams: {teams}
          </Text>
        </LazyTooltip>
      )}
      <Button size="xs" variant="default" leftSection={<IconLogout size={14} />} onClick={() => logout.mutate()} loading={logout.isPending}>
        Sign out
      </Button>
    </Group>
  );
}
