/** API tokens of the signed-in user: create (the secret is shown once), list with last use, revoke. */
import { Alert, Button, Code, CopyButton, Group, Modal, NumberInput, Paper, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy, IconKey } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { authService, useAccountMutation, useTokens, type Token, type TokenCreated } from '../features/auth';
import { fullDate, relativeTime } from '../lib/dates';

function tokenState(token: Token): string {
  if (token.revoked_at) return `revoked ${relativeTime(token.revoked_at)}`;
  if (token.expires_at && new Date(token.expires_at) < new Date()) return 'expired';
  return token.expires_at ? `expires ${fullDate(token.expires_at)}` : 'never expires';
}

export function TokensPage() {
  const tokens = useTokens();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | string>(90);
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const create = useAccountMutation(authService.createToken);
  const revoke = useAccountMutation(authService.revokeToken);

  const submit = () =>
    create.mutate(
      { name: name.trim(), expires_days: typeof days === 'number' && days > 0 ? days : null },
      {
        onSuccess: (result) => {
          setCreated(result);
          setName('');
        },
      },
    );

  return (
    <>
      <PageHeader title="API tokens" description="Tokens let the CLI and scripts act as you: send one as “Authorization: Bearer <token>”." />
      <Stack gap="lg">
        <Paper withBorder p="md" shadow="xs">
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label="Name"
              description="What it is for, e.g. “laptop CLI”"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              style={{ flex: '1 1 16rem', maxWidth: 360 }}
            />
            <NumberInput label="Expires after (days)" description="Empty: never" value={days} onChange={setDays} min={1} max={3650} w={180} />
            <Button leftSection={<IconKey size={16} />} onClick={submit} loading={create.isPending} disabled={!name.trim()}>
              Create token
            </Button>
          </Group>
          {create.isError && (
            <Alert mt="sm" color="red" variant="light" role="alert" title="No token made">
              {errorMessage(create.error)}
            </Alert>
          )}
        </Paper>
        <Paper withBorder p="md" shadow="xs">
          {tokens.isError ? (
            <ApiErrorAlert error={tokens.error} title="The tokens could not be loaded" />
          ) : (tokens.data ?? []).length === 0 ? (
            <Text size="sm" c="dimmed">
              {tokens.isPending ? 'Loading…' : 'No tokens yet.'}
            </Text>
          ) : (
            <Table aria-label="Tokens" className="fit-table" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Starts with</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th w={100} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(tokens.data ?? []).map((t) => (
                  <Table.Tr key={t.id} data-testid="token-row">
                    <Table.Td>
                      <Text size="sm" fw={600} className="wrap-anywhere">
                        {t.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {t.user} · made {relativeTime(t.created_at)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Code>{t.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{t.last_used_at ? relativeTime(t.last_used_at) : 'never'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={t.revoked_at ? 'red' : undefined}>
                        {tokenState(t)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      {!t.revoked_at && (
                        <Button size="xs" variant="light" color="red" onClick={() => revoke.mutate(t.id)} loading={revoke.isPending && revoke.variables === t.id}>
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {revoke.isError && <ApiErrorAlert error={revoke.error} title="Not revoked" />}
        </Paper>
      </Stack>

      <Modal opened={created !== null} onClose={() => setCreated(null)} title="Your new token" size="lg">
        {created && (
          <Stack gap="md">
            <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title="Copy it now">
              This is the only time the token is shown: the service keeps only its fingerprint. Store it where only you can
              read it (e.g. <Code>~/.config/autotuner/token</Code>, <Code>chmod 600</Code>).
            </Alert>
            <Code block data-testid="token-secret" className="wrap-anywhere">
              {created.secret}
            </Code>
            <Group justify="flex-end">
              <CopyButton value={created.secret}>
                {({ copied, copy }) => (
                  <Tooltip label={copied ? 'Copied' : 'Copy to the clipboard'}>
                    <Button leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />} onClick={copy} variant="light">
                      {copied ? 'Copied' : 'Copy token'}
                    </Button>
                  </Tooltip>
                )}
              </CopyButton>
              <Button onClick={() => setCreated(null)}>Done</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
