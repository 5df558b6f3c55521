import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import type { SystemStatus } from '../api/systemService';
import { SystemPanel } from './SystemPanel';

const SYSTEM: SystemStatus = {
  version: '0.1.0',
  gpus: { count: 0, source: 'none' },
  database: { dialect: 'sqlite', ok: true },
  worker: { state: 'running', running_tasks: [7] },
  pool: {
    kind: 'slot',
    source: 'AUTOTUNER_SLOTS',
    size: 2,
    in_use: 1,
    devices: [
      {
        id: 'slot-0',
        kind: 'slot',
        busy: true,
        task_id: 7,
        task_name: 'toy sweep',
        experiment_sequence: 3,
        parameters: { 'tp-size': 1, 'schedule-policy': 'lpm' },
      },
      { id: 'slot-1', kind: 'slot', busy: false, task_id: null, task_name: null, experiment_sequence: null, parameters: null },
    ],
  },
  docker: {
    url: 'unix:///var/run/docker.sock',
    reachable: true,
    version: '20.10.24',
    nvidia_runtime: false,
    containers_running: 2,
    error: null,
    default_images: { sglang: 'lmsysorg/sglang:v0.5.23' },
  },
};

describe('SystemPanel', () => {
  it('shows the worker, the database and what each slot is doing', () => {
    renderWithProviders(<SystemPanel system={SYSTEM} />);
    expect(screen.getByTestId('worker-state')).toHaveTextContent('Running');
    expect(screen.getByTestId('database-state')).toHaveTextContent('answering');
    expect(screen.getByText('Slot pool: 1 of 2 in use')).toBeInTheDocument();
    const [busy, idle] = screen.getAllByTestId('pool-device');
    expect(within(busy).getByRole('link', { name: 'toy sweep' })).toHaveAttribute('href', '/tasks/7');
    expect(busy).toHaveTextContent('#3');
    expect(busy).toHaveTextContent('tp-size 1, schedule-policy lpm');
    expect(idle).toHaveTextContent('idle');
    expect(screen.getByTestId('docker-state')).toHaveTextContent('Docker 20.10.24');
    expect(screen.getByText('2 engine container(s) · no GPU runtime')).toBeInTheDocument();
  });

  it("says why Docker cannot be used when no daemon answers", () => {
    const error = 'Cannot reach the Docker daemon at unix:///var/run/docker.sock: start one with dockerd.';
    renderWithProviders(
      <SystemPanel system={{ ...SYSTEM, docker: { ...SYSTEM.docker, reachable: false, version: null, error } }} />,
    );
    expect(screen.getByTestId('docker-state')).toHaveTextContent('no daemon');
    expect(screen.getByText(error)).toBeInTheDocument();
  });

  it('names a task the viewer may not read by its id only, and a stopped worker in red', () => {
    const hidden = { ...SYSTEM.pool.devices[0], task_name: null, parameters: null };
    renderWithProviders(
      <SystemPanel system={{ ...SYSTEM, worker: { state: 'stopped', running_tasks: [] }, pool: { ...SYSTEM.pool, devices: [hidden] } }} />,
    );
    expect(screen.getByRole('link', { name: 'Task 7' })).toBeInTheDocument();
    expect(screen.getByTestId('worker-state')).toHaveTextContent('Stopped');
  });

  it('shows the Ray cluster with each node, alive or lost, and its free GPUs', () => {
    const cluster: NonNullable<SystemStatus['cluster']> = {
      address: 'ray://head:10001',
      gpus_total: 4,
      gpus_free: 1,
      error: null,
      nodes: [
        { node_id: 'a1b2c3d4e5f6a7b8', name: 'gpu-1', address: '10.0.0.1', alive: true, gpus: 4, gpus_free: 1, resources: { CPU: 32, GPU: 4, memory: 1e11 } },
        { node_id: 'ffeeddccbbaa9988', name: 'gpu-2', address: '10.0.0.2', alive: false, gpus: 0, gpus_free: 0, resources: { CPU: 32, GPU: 4 } as Record<string, number> },
      ],
    };
    renderWithProviders(<SystemPanel system={{ ...SYSTEM, cluster }} />);
    expect(screen.getByText('Ray cluster: 3 of 4 GPU(s) in use')).toBeInTheDocument();
    const [first, second] = screen.getAllByTestId('cluster-node');
    expect(first).toHaveTextContent('gpu-1');
    expect(first).toHaveTextContent('alive');
    expect(first).toHaveTextContent('1 of 4');
    expect(first).toHaveTextContent('CPU 32, GPU 4');
    expect(first).not.toHaveTextContent('memory');
    expect(second).toHaveTextContent('lost');
  });

  it('shows no cluster card with the local executor', () => {
    renderWithProviders(<SystemPanel system={{ ...SYSTEM, cluster: null }} />);
    expect(screen.queryByTestId('cluster-card')).not.toBeInTheDocument();
  });
});
