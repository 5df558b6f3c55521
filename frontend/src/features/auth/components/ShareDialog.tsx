/**
 * Share a preset or a task: private (its owner), with some of the caller's teams, or public.
 * Saved with PUT .../sharing through `onSave`; a refusal shows the server's sentence.
 */
import { Alert, Button, Group, Modal, MultiSelect, Radio, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import type { Sharing, Visibility } from '../api/authService';
import type { Owned } from '../lib/permissions';
import { useViewer } from '../lib/viewerContext';

export interface Shareable extends Owned {
  name: string;
}

interface Props {
  /** What is shared; null closes the dialog. */
  object: Shareable | null;
  /** "preset" or "task", for the sentences. */
  kind: string;
  onSave: (sharing: Sharing) => Promise<unknown>;
  onClose: () => void;
}

export function ShareDialog({ object, kind, onSave, onClose }: Props) {
  return (
    <Modal opened={object !== null} onClose={onClose} title={object ? `Share “${object.name}”` : ''} size="lg">
      {object && <ShareForm key={`${object.name}`} object={object} kind={kind} onSave={onSave} onClose={onClose} />}
    </Modal>
  );
}

const CHOICES: { value: Visibility; label: string; description: (kind: string) => string }[] = [
  { value: 'private', label: 'Private', description: (kind) => `Only you (and the admins) see this ${kind}.` },
  {
    value: 'teams',
    label: 'Teams',
    description: (kind) => `Members of the chosen teams see it; their owners and members may also edit this ${kind}, viewers only read it.`,
  },
  { value: 'public', label: 'Public', description: (kind) => `Everyone signed in to this service sees this ${kind}; only you may change it.` },
];

function ShareForm({ object, kind, onSave, onClose }: { object: Shareable; kind: string; onSave: Props['onSave']; onClose: () => void }) {
  const { viewer, teamNames } = useViewer();
  const [visibility, setVisibility] = useState<Visibility>(object.visibility);
  const [teamIds, setTeamIds] = useState<string[]>(object.team_ids.map(String));
  const save = useMutation({ mutationFn: (sharing: Sharing) => onSave(sharing), onSuccess: onClose });

  // The caller's teams (admins: every team they can see), and any team it is already shared with.
  const options = new Map<number, string>();
  for (const t of viewer.teams) options.set(t.id, t.name);
  if (viewer.isAdmin) for (const [id, name] of teamNames) options.set(id, name);
  for (const id of object.team_ids) if (!options.has(id)) options.set(id, teamNames.get(id) ?? `team #${id}`);
  const data = [...options].map(([id, name]) => ({ value: String(id), label: name }));
  const needsTeams = visibility === 'teams' && teamIds.length === 0;

  const submit = () =>
    save.mutate(visibility === 'teams' ? { visibility, team_ids: teamIds.map(Number) } : { visibility, team_ids: [] });

  return (
    <Stack gap="md">
      <Radio.Group value={visibility} onChange={(v) => setVisibility(v as Visibility)} label="Who may see it" aria-label="Visibility">
        <Stack gap="sm" mt="xs">
          {CHOICES.map((c) => (
            <Radio key={c.value} value={c.value} label={c.label} description={c.description(kind)} />
          ))}
        </Stack>
      </Radio.Group>
      {visibility === 'teams' && (
        <MultiSelect
          label="Teams"
          placeholder={data.length ? 'Pick teams' : undefined}
          data={data}
          value={teamIds}
          onChange={setTeamIds}
          searchable
          nothingFoundMessage="No team by that name"
          error={data.length === 0 ? 'You are in no team yet: an admin or a team owner adds you to one.' : undefined}
        />
      )}
      {save.isError && (
        <Alert color="red" variant="light" role="alert" icon={<IconAlertTriangle size={18} />} title="Not shared">
          {errorMessage(save.error)}
        </Alert>
      )}
      <Group justify="space-between" wrap="wrap">
        <Text size="xs" c="dimmed">
          Owner: {object.owner ?? 'nobody (made before users existed)'}
        </Text>
        <Group gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={save.isPending} disabled={needsTeams}>
            Save sharing
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}
