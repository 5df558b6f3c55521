import { Group, NumberInput, SegmentedControl, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { optionsOf, RUNTIMES, type Runtime } from '../../../../api/enums';
import { Section } from '../../../../components/Section';
import type { NewTaskForm } from '../../hooks/useNewTaskForm';
import { DeploymentSwitch, DockerOptions } from './DeploymentFields';

/** What to tune: name, model, runtime, where it runs (local or Docker) and the GPUs it may use. */
export function TaskSection({ form }: { form: NewTaskForm }) {
  const { fields, set, fieldErrors } = form;
  const gpuHint =
    form.system.gpus > 0
      ? `${form.system.gpus} detected (${form.system.source}). Combinations that need more (tp × dp × pp) are left out.`
      : form.system.known
        ? 'No GPU was detected. Leave it empty to skip the GPU rules; they apply (tp × dp × pp ≤ GPUs) only when it is set.'
        : 'Leave it empty to skip the GPU rules; they apply (tp × dp × pp ≤ GPUs) only when it is set.';
  return (
    <Section title="Task">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Task name"
            required
            value={fields.taskName}
            onChange={(e) => set({ taskName: e.currentTarget.value })}
            error={fieldErrors.task_name}
          />
          <TextInput
            label="Model"
            description={
              fields.runtime === 'llamacpp'
                ? 'Path of a .gguf file on the server (autotuner models make-tiny tiny.gguf makes one)'
                : 'Hugging Face id or local path'
            }
            required
            value={fields.model}
            onChange={(e) => set({ model: e.currentTarget.value })}
            error={fieldErrors['model.id_or_path'] ?? fieldErrors.model}
            inputWrapperOrder={['label', 'input', 'description', 'error']}
          />
        </SimpleGrid>
        <Textarea
          label="Description"
          placeholder="Optional: what you want to learn from this run"
          autosize
          minRows={1}
          value={fields.description}
          onChange={(e) => set({ description: e.currentTarget.value })}
          error={fieldErrors.description}
        />
        <Group gap="xl" align="flex-start" wrap="wrap">
          <Stack gap={4}>
            <Text size="sm" fw={500} id="runtime-label">
              Runtime
            </Text>
            <SegmentedControl
              aria-labelledby="runtime-label"
              value={fields.runtime}
              onChange={(v) => set({ runtime: v as Runtime })}
              data={optionsOf(RUNTIMES)}
            />
          </Stack>
          <DeploymentSwitch form={form} />
          <NumberInput
            label="GPUs"
            placeholder="not set"
            min={1}
            allowDecimal={false}
            allowNegative={false}
            value={fields.gpus}
            onChange={(value) => form.setGpus(value === '' ? '' : Number(value))}
            description={gpuHint}
            error={fieldErrors.gpus}
            inputWrapperOrder={['label', 'input', 'description', 'error']}
            style={{ flex: '1 1 14rem' }}
            data-testid="gpus"
          />
        </Group>
        <DockerOptions form={form} />
      </Stack>
    </Section>
  );
}
