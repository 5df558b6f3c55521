import { Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconBrandDocker, IconCpu, IconDatabase, IconServer } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import { paths } from '../../../routes';
import type { PoolDevice, SystemStatus } from '../api/systemService';

const WORKER_STATE: Record<SystemStatus['worker']['state'], { label: string; color: string }> = {
  running: { label: 'Running', color: 'teal' },
  stopped: { label: 'Stopped', color: 'red' },
  external: { label: 'Separate process', color: 'gray' },
};

const POOL_SOURCE: Record<string, string> = {
  AUTOTUNER_GPUS: 'fixed by AUTOTUNER_GPUS',
  'nvidia-smi': 'found by nvidia-smi',
  AUTOTUNER_SLOTS: 'declared by AUTOTUNER_SLOTS (no GPUs)',
  default: 'one slot (no GPUs found, no AUTOTUNER_SLOTS): experiments run one at a time',
};

function Fact({ icon, label, children }: { icon: React.ReactNode; label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md">
      <Group gap={8} mb={4}>
        {icon}
        <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
          {label}
        </Text>
      </Group>
      {children}
    </Paper>
  );
}

function parametersText(device: PoolDevice): string {
  if (!device.parameters) return '';
  return Object.entries(device.parameters)
    .map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

type Cluster = NonNullable<SystemStatus['cluster']>;

function resourcesText(resources: Record<string, number>): string {
  return Object.entries(resources)
    .filter(([key]) => !['memory', 'object_store_memory'].includes(key))
    .map(([key, value]) => `${key} ${Number.isInteger(value) ? value : value.toFixed(1)}`)
    .join(', ');
}

/** The Ray cluster experiments run on (--executor ray): its nodes and their GPUs, busy and free. */
function ClusterCard({ cluster }: { cluster: Cluster }) {
  return (
    <Paper withBorder p="lg" data-testid="cluster-card">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={4}>
          Ray cluster: {cluster.gpus_total - cluster.gpus_free} of {cluster.gpus_total} GPU(s) in use
        </Title>
        <Text size="sm" c="dimmed" ff="monospace">
          {cluster.address}
        </Text>
      </Group>
      {cluster.error && (
        <Text size="sm" c="red.7" mb="xs">
          {cluster.error}
        </Text>
      )}
      <Table.ScrollContainer minWidth={520}>
        <Table data-testid="cluster-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Node</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>GPUs free</Table.Th>
              <Table.Th>Resources</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {cluster.nodes.map((node) => (
              <Table.Tr key={node.node_id} data-testid="cluster-node">
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {node.name}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {node.address} · {node.node_id.slice(0, 12)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={node.alive ? 'teal' : 'red'} variant="light">
                    {node.alive ? 'alive' : 'lost'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {node.gpus_free} of {node.gpus}
                </Table.Td>
                <Table.Td className="wrap-anywhere">
                  <Text size="sm">{resourcesText(node.resources) || '—'}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** What the service runs on and what each GPU or slot of its pool is doing. */
export function SystemPanel({ system }: { system: SystemStatus }) {
  const worker = WORKER_STATE[system.worker.state];
  const noun = system.pool.kind === 'gpu' ? 'GPU' : 'Slot';
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Fact icon={<IconServer size={18} />} label="Service">
          <Text fw={600}>Autotuner {system.version}</Text>
        </Fact>
        <Fact icon={<IconDatabase size={18} />} label="Database">
          <Group gap={8}>
            <Text fw={600}>{system.database.dialect}</Text>
            <Badge color={system.database.ok ? 'teal' : 'red'} variant="light" data-testid="database-state">
              {system.database.ok ? 'answering' : 'not answering'}
            </Badge>
          </Group>
        </Fact>
        <Fact icon={<IconCpu size={18} />} label="Worker">
          <Group gap={8}>
            <Badge color={worker.color} variant="light" data-testid="worker-state">
              {worker.label}
            </Badge>
            <Text size="sm" c="dimmed">
              {system.worker.running_tasks.length} task(s) running
            </Text>
          </Group>
        </Fact>
        <Fact icon={<IconBrandDocker size={18} />} label="Docker">
          <Group gap={8}>
            <Badge color={system.docker.reachable ? 'teal' : 'gray'} variant="light" data-testid="docker-state">
              {system.docker.reachable ? `Docker ${system.docker.version ?? ''}`.trim() : 'no daemon'}
            </Badge>
            {system.docker.reachable && (
              <Text size="sm" c="dimmed">
                {system.docker.containers_running} engine container(s){system.docker.nvidia_runtime ? '' : ' · no GPU runtime'}
              </Text>
            )}
          </Group>
          {!system.docker.reachable && system.docker.error && (
            <Text size="xs" c="dimmed" mt={4} className="wrap-anywhere">
              {system.docker.error}
            </Text>
          )}
        </Fact>
      </SimpleGrid>
      {system.cluster && <ClusterCard cluster={system.cluster} />}
      <Paper withBorder p="lg">
        <Group justify="space-between" mb="xs" wrap="wrap">
          <Title order={4}>
            {noun} pool: {system.pool.in_use} of {system.pool.size} in use
          </Title>
          <Text size="sm" c="dimmed">
            {POOL_SOURCE[system.pool.source] ?? system.pool.source}
          </Text>
        </Group>
        <Table.ScrollContainer minWidth={520}>
          <Table data-testid="pool-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{noun}</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Task</Table.Th>
                <Table.Th>Experiment</Table.Th>
                <Table.Th>Parameters</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {system.pool.devices.map((device) => (
                <Table.Tr key={device.id} data-testid="pool-device">
                  <Table.Td ff="monospace">{device.id}</Table.Td>
                  <Table.Td>
                    <Badge color={device.busy ? 'indigo' : 'gray'} variant="light">
                      {device.busy ? 'busy' : 'idle'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {device.task_id != null ? (
                      <Link to={paths.task(device.task_id)}>{device.task_name ?? `Task ${device.task_id}`}</Link>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>{device.experiment_sequence != null ? `#${device.experiment_sequence}` : '—'}</Table.Td>
                  <Table.Td className="wrap-anywhere">
                    <Text size="sm">{parametersText(device) || '—'}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </Stack>
  );
}
