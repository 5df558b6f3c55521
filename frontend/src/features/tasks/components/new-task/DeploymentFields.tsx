import { Checkbox, Group, SegmentedControl, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import type { NewTaskForm } from '../../hooks/useNewTaskForm';
import type { DeploymentMode, DockerFields } from '../../hooks/newTaskBody';

const MODES: { value: DeploymentMode; label: string }[] = [
  { value: 'local', label: 'Local process' },
  { value: 'docker', label: 'Docker' },
];

/** Local process or Docker container: the switch. */
export function DeploymentSwitch({ form }: { form: NewTaskForm }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500} id="deployment-label">
        Deployment
      </Text>
      <SegmentedControl
        aria-labelledby="deployment-label"
        value={form.fields.deployment}
        onChange={(v) => form.set({ deployment: v as DeploymentMode })}
        data={MODES}
        data-testid="deployment"
      />
    </Stack>
  );
}

/** The container's options, and what the server says of its Docker daemon; only for "docker". */
export function DockerOptions({ form }: { form: NewTaskForm }) {
  const { fields, fieldErrors } = form;
  if (fields.deployment !== 'docker') return null;
  const docker = form.system.docker;
  const setDocker = (patch: Partial<DockerFields>) => form.set({ docker: { ...fields.docker, ...patch } });
  const officialImage = docker?.default_images[fields.runtime] ?? null;
  const gpusWanted = fields.gpus !== '' && fields.gpus > 0;
  return (
    <Stack gap="xs" data-testid="docker-options">
      {docker && (
        <Text size="sm" c={docker.reachable ? 'dimmed' : 'red'} data-testid="docker-state">
          {docker.reachable
            ? `Docker ${docker.version ?? ''} answers at ${docker.url}${docker.nvidia_runtime ? ', with the NVIDIA runtime.' : '; it has no NVIDIA runtime, so containers cannot get GPUs.'}`
            : docker.error}
        </Text>
      )}
      {docker?.reachable && !docker.nvidia_runtime && gpusWanted && (
        <Text size="sm" c="orange">
          GPUs are set: their experiments will fail on this daemon until the NVIDIA Container Toolkit is installed.
        </Text>
      )}
      <Group gap="md" align="flex-start" wrap="wrap">
        <TextInput
          label="Image"
          placeholder={officialImage ?? 'the engine’s official image'}
          description={officialImage ? `Empty: ${officialImage}, the official image of this runtime` : 'Empty: the official image'}
          value={fields.docker.image}
          onChange={(e) => setDocker({ image: e.currentTarget.value })}
          error={fieldErrors['docker.image']}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          style={{ flex: '2 1 18rem' }}
        />
        <TextInput
          label="Shared memory"
          placeholder="e.g. 16g"
          description="Empty: SGLang and vLLM share the host’s IPC"
          value={fields.docker.shmSize}
          onChange={(e) => setDocker({ shmSize: e.currentTarget.value })}
          error={fieldErrors['docker.shm_size']}
          inputWrapperOrder={['label', 'input', 'description', 'error']}
          style={{ flex: '1 1 10rem' }}
        />
      </Group>
      <TagsInput
        label="Environment variables (names)"
        description="Passed from the server’s environment when the container starts, e.g. HF_TOKEN; values are never stored."
        placeholder="HF_TOKEN"
        value={fields.docker.env}
        onChange={(env) => setDocker({ env })}
        error={fieldErrors['docker.env']}
        inputWrapperOrder={['label', 'input', 'description', 'error']}
      />
      <Checkbox
        label="Host networking (the container shares the server’s network instead of a port published on 127.0.0.1)"
        checked={fields.docker.hostNetwork}
        onChange={(e) => setDocker({ hostNetwork: e.currentTarget.checked })}
      />
    </Stack>
  );
}
