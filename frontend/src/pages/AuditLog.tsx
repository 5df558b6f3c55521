/** The audit log (admins): every change, newest first — who, what, when, from where. */
import { Button, Group, Paper, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { useAudit } from '../features/auth';
import { fullDate, relativeTime } from '../lib/dates';

const PAGE = 50;

export function AuditLogPage() {
  const [who, setWho] = useState('');
  const [action, setAction] = useState('');
  const [page, setPage] = useState(0);
  const [filters] = useDebouncedValue({ who: who.trim() || undefined, action: action.trim() || undefined }, 250);
  const events = useAudit({ ...filters, limit: PAGE, offset: page * PAGE });
  const rows = events.data ?? [];

  return (
    <>
      <PageHeader title="Audit log" description="Every change made through the service: who, what, when and from where. Newest first." />
      <Paper withBorder p="md" shadow="xs">
        <Group mb="md" gap="sm" wrap="wrap">
          <TextInput aria-label="Filter by user" placeholder="User" value={who} onChange={(e) => { setWho(e.currentTarget.value); setPage(0); }} w={180} />
          <TextInput
            aria-label="Filter by action"
            placeholder="Action, e.g. preset.share"
            value={action}
            onChange={(e) => { setAction(e.currentTarget.value); setPage(0); }}
            w={220}
          />
        </Group>
        {events.isError ? (
          <ApiErrorAlert error={events.error} title="The audit log could not be loaded" />
        ) : rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            {events.isPending ? 'Loading…' : 'Nothing recorded matches.'}
          </Text>
        ) : (
          <Table aria-label="Audit log" className="fit-table" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={130}>When</Table.Th>
                <Table.Th w={130}>Who</Table.Th>
                <Table.Th w={150}>Action</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th w={130}>From</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e) => (
                <Table.Tr key={e.id} data-testid="audit-row">
                  <Table.Td>
                    <Tooltip label={fullDate(e.at)}>
                      <Text size="sm">{relativeTime(e.at)}</Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={600} className="wrap-anywhere">
                      {e.actor}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" className="wrap-anywhere">
                      {e.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" className="wrap-anywhere">
                      {e.summary}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed" className="wrap-anywhere">
                      {e.remote_addr ?? '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group justify="flex-end" mt="md" gap="sm">
          <Button variant="default" size="xs" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Newer
          </Button>
          <Button variant="default" size="xs" disabled={rows.length < PAGE} onClick={() => setPage(page + 1)}>
            Older
          </Button>
        </Group>
      </Paper>
    </>
  );
}
