/**
 * Users and teams. Admins create users and disable them; anyone signed in creates a team; team
 * owners (and admins) add and remove members and set their roles. Refusals show the server's sentence.
 */
import { Alert, Badge, Button, Checkbox, Grid, Group, NavLink, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconUserPlus, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { authService, useAccountMutation, useTeam, useTeams, useUsers, useViewer, type TeamRole } from '../features/auth';
import { relativeTime } from '../lib/dates';

const ROLES: { value: TeamRole; label: string }[] = [
  { value: 'owner', label: 'Owner' },
  { value: 'member', label: 'Member' },
  { value: 'viewer', label: 'Viewer' },
];

function Refusal({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" role="alert" mt="sm" title="Refused">
      {errorMessage(error)}
    </Alert>
  );
}

function UsersSection() {
  const users = useUsers();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const create = useAccountMutation(authService.createUser);
  const update = useAccountMutation(({ username: name, disabled }: { username: string; disabled: boolean }) =>
    authService.updateUser(name, { disabled }),
  );
  const submit = () =>
    create.mutate(
      { username: username.trim(), password, is_admin: isAdmin },
      {
        onSuccess: () => {
          setUsername('');
          setPassword('');
          setIsAdmin(false);
        },
      },
    );
  return (
    <Paper withBorder p="md" shadow="xs">
      <Title order={2} fz="lg" mb="sm">
        Users
      </Title>
      <Group align="flex-end" gap="sm" wrap="wrap" mb="md">
        <TextInput label="User name" value={username} onChange={(e) => setUsername(e.currentTarget.value)} w={180} />
        <PasswordInput label="Password" description="At least 8 characters" value={password} onChange={(e) => setPassword(e.currentTarget.value)} w={200} />
        <Checkbox label="Admin" checked={isAdmin} onChange={(e) => setIsAdmin(e.currentTarget.checked)} mb={8} />
        <Button leftSection={<IconUserPlus size={16} />} onClick={submit} loading={create.isPending} disabled={!username.trim() || !password}>
          Create user
        </Button>
      </Group>
      <Refusal error={create.error} />
      {users.isError ? (
        <ApiErrorAlert error={users.error} title="The users could not be loaded" />
      ) : (
        <Table aria-label="Users" className="fit-table" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>User</Table.Th>
              <Table.Th>Since</Table.Th>
              <Table.Th w={120} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(users.data ?? []).map((u) => (
              <Table.Tr key={u.id} data-testid="user-row">
                <Table.Td>
                  <Group gap={6} wrap="wrap">
                    <Text size="sm" fw={600} className="wrap-anywhere">
                      {u.username}
                    </Text>
                    {u.is_admin && (
                      <Badge size="xs" variant="light" color="indigo">
                        admin
                      </Badge>
                    )}
                    {u.disabled && (
                      <Badge size="xs" variant="light" color="red">
                        disabled
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {relativeTime(u.created_at)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Button size="xs" variant="subtle" color={u.disabled ? 'teal' : 'red'} onClick={() => update.mutate({ username: u.username, disabled: !u.disabled })}>
                    {u.disabled ? 'Enable' : 'Disable'}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Refusal error={update.error} />
    </Paper>
  );
}

function TeamMembers({ teamId }: { teamId: number }) {
  const { viewer } = useViewer();
  const team = useTeam(teamId);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<TeamRole>('member');
  const setMember = useAccountMutation(({ name, role: r }: { name: string; role: TeamRole }) => authService.setMember(teamId, name, r));
  const remove = useAccountMutation((name: string) => authService.removeMember(teamId, name));
  if (team.isError) return <ApiErrorAlert error={team.error} title="The team could not be loaded" />;
  if (!team.data) return <Text size="sm" c="dimmed">Loading…</Text>;
  const manages = viewer.isAdmin || team.data.role === 'owner';
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Title order={3} fz="md">
          {team.data.name}
        </Title>
        {team.data.role && <Badge size="sm" variant="light">you: {team.data.role}</Badge>}
      </Group>
      <Table aria-label={`Members of ${team.data.name}`} className="fit-table" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Member</Table.Th>
            <Table.Th w={160}>Role</Table.Th>
            {manages && <Table.Th w={100} />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {team.data.members.map((m) => (
            <Table.Tr key={m.user_id} data-testid="member-row" data-member={m.username}>
              <Table.Td>
                <Text size="sm" fw={600} className="wrap-anywhere">
                  {m.username}
                </Text>
              </Table.Td>
              <Table.Td>
                {manages ? (
                  <Select
                    aria-label={`Role of ${m.username}`}
                    size="xs"
                    data={ROLES}
                    value={m.role}
                    allowDeselect={false}
                    onChange={(v) => v && setMember.mutate({ name: m.username, role: v as TeamRole })}
                  />
                ) : (
                  <Text size="sm">{m.role}</Text>
                )}
              </Table.Td>
              {manages && (
                <Table.Td ta="right">
                  <Button size="xs" variant="subtle" color="red" onClick={() => remove.mutate(m.username)}>
                    Remove
                  </Button>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {manages && (
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput label="Add a user" placeholder="User name" value={username} onChange={(e) => setUsername(e.currentTarget.value)} w={180} />
          <Select label="As" data={ROLES} value={role} onChange={(v) => setRole((v ?? 'member') as TeamRole)} allowDeselect={false} w={140} />
          <Button
            onClick={() => setMember.mutate({ name: username.trim(), role }, { onSuccess: () => setUsername('') })}
            disabled={!username.trim()}
            loading={setMember.isPending}
          >
            Add member
          </Button>
        </Group>
      )}
      <Refusal error={setMember.error ?? remove.error} />
    </Stack>
  );
}

function TeamsSection() {
  const teams = useTeams();
  const [selected, setSelected] = useState<number | null>(null);
  const [name, setName] = useState('');
  const create = useAccountMutation(authService.createTeam);
  const current = selected ?? teams.data?.[0]?.id ?? null;
  return (
    <Paper withBorder p="md" shadow="xs">
      <Title order={2} fz="lg" mb="sm">
        Teams
      </Title>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap={4}>
            {(teams.data ?? []).map((t) => (
              <NavLink
                key={t.id}
                label={t.name}
                description={t.role ? `you: ${t.role}` : undefined}
                leftSection={<IconUsersGroup size={16} />}
                active={t.id === current}
                onClick={() => setSelected(t.id)}
              />
            ))}
            {teams.data?.length === 0 && (
              <Text size="sm" c="dimmed">
                No teams yet.
              </Text>
            )}
            <Group align="flex-end" gap="xs" mt="sm" wrap="wrap">
              <TextInput label="New team" placeholder="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} style={{ flex: '1 1 8rem' }} />
              <Button
                onClick={() => create.mutate(name.trim(), { onSuccess: (t) => { setName(''); setSelected(t.id); } })}
                disabled={!name.trim()}
                loading={create.isPending}
              >
                Create
              </Button>
            </Group>
            <Refusal error={create.error} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>{current !== null && <TeamMembers teamId={current} />}</Grid.Col>
      </Grid>
    </Paper>
  );
}

export function UsersTeamsPage() {
  const { viewer } = useViewer();
  return (
    <>
      <PageHeader
        title={viewer.isAdmin ? 'Users & teams' : 'Teams'}
        description="Teams share presets and tasks: owners manage the members, members read and edit what is shared with the team, viewers read it."
      />
      <Stack gap="lg">
        {viewer.isAdmin && <UsersSection />}
        <TeamsSection />
      </Stack>
    </>
  );
}
