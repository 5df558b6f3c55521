/** "Save as preset": turns an experiment's parameters into a new preset, then offers the Presets page. */
import { Anchor, Autocomplete, Button, Group, Modal, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert, topFieldErrors } from '../../../components/ApiErrorAlert';
import { ParamChip } from '../../../components/ParameterChips';
import { paths } from '../../../routes';
import { BASE_CATEGORIES, categoryLabel } from '../../presets';
import { useSaveExperimentAsPreset } from '../api/taskService';
import { formatMetric, parameterPairs } from '../lib/experimentMetrics';
import type { Experiment, Task } from '../types/task';

interface Props {
  task: Task;
  /** The experiment to save; null keeps the dialog closed. */
  experiment: Experiment | null;
  isBest: boolean;
  onClose: () => void;
}

export function defaultPresetName(task: Pick<Task, 'task_name'>, experiment: Pick<Experiment, 'sequence'>, isBest: boolean) {
  return isBest ? `${task.task_name} best` : `${task.task_name} #${experiment.sequence}`;
}

function defaultDescription(task: Task, experiment: Experiment, isBest: boolean) {
  const which = isBest ? 'The best configuration' : `Experiment #${experiment.sequence}`;
  const score = experiment.score !== null ? ` (score ${formatMetric(experiment.score)})` : '';
  return `${which} found by tuning task “${task.task_name}” on ${task.model?.id_or_path ?? 'its model'}${score}.`;
}

export function SaveAsPresetModal({ task, experiment, isBest, onClose }: Props) {
  return (
    <Modal
      opened={experiment !== null}
      onClose={onClose}
      title={<Text fw={650}>Save experiment #{experiment?.sequence} as a preset</Text>}
      size="lg"
    >
      {/* Keyed by the experiment: each opening starts from that experiment's defaults. */}
      {experiment && <SaveAsPresetForm key={experiment.id} task={task} experiment={experiment} isBest={isBest} onClose={onClose} />}
    </Modal>
  );
}

function SaveAsPresetForm({ task, experiment, isBest, onClose }: Props & { experiment: Experiment }) {
  const save = useSaveExperimentAsPreset();
  const navigate = useNavigate();
  const [name, setName] = useState(() => defaultPresetName(task, experiment, isBest));
  const [description, setDescription] = useState(() => defaultDescription(task, experiment, isBest));
  const [category, setCategory] = useState('performance');

  const fieldErrors = topFieldErrors(save.error);
  const nameProblem = name.trim() ? fieldErrors.name : undefined;

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    save.mutate(
      {
        experimentId: experiment.id,
        body: { name: name.trim(), description: description.trim() || null, category: category.trim() || null },
      },
      {
        onSuccess: (preset) => {
          notifications.show({
            color: 'teal',
            title: 'Preset saved',
            autoClose: 10_000,
            message: (
              <span>
                “{preset.name}” now holds experiment #{experiment.sequence}'s parameters.{' '}
                <Anchor
                  href={paths.presets}
                  size="sm"
                  fw={600}
                  onClick={(e: React.MouseEvent) => {
                    e.preventDefault();
                    navigate(paths.presets);
                  }}
                >
                  Open Presets
                </Anchor>
              </span>
            ),
          });
          onClose();
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4} mb={6}>
            Parameters it will hold
          </Text>
          <Group gap={4}>
            {parameterPairs(experiment.parameters).map(([k, v]) => (
              <ParamChip key={k}>
                {k}: {v}
              </ParamChip>
            ))}
          </Group>
        </div>
        <TextInput
          label="Name"
          required
          data-autofocus
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={!name.trim() ? 'Give the preset a name.' : nameProblem}
        />
        <Textarea label="Description" rows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        <Autocomplete
          label="Category"
          data={BASE_CATEGORIES}
          renderOption={({ option }) => categoryLabel(option.value)}
          value={category}
          onChange={setCategory}
          error={fieldErrors.category}
        />
        {save.error && !nameProblem && <ApiErrorAlert error={save.error} title="The preset was not saved" />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!name.trim()}>
            Save preset
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
