/**
 * Which flags matter: importance of each flag for the score (one task, or the tasks of a
 * runtime and model), and the score per value of the flag chosen.
 */
import { Alert, Group, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { PRESET_RUNTIMES, type PresetRuntime } from '../../../api/enums';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { useTasks } from '../../tasks';
import { useImportance } from '../api/analyticsService';
import type { ImportanceScope } from '../types';
import { ImportanceChart, MarginalChart } from './charts';

type Mode = 'task' | 'across';

export function ImportancePanel() {
  const [mode, setMode] = useState<Mode>('task');
  const [taskId, setTaskId] = useState<string | null>(null);
  const [runtime, setRuntime] = useState<PresetRuntime | null>(null);
  const [model, setModel] = useState('');
  const [modelDebounced] = useDebouncedValue(model.trim(), 400);
  const tasks = useTasks();
  const scope: ImportanceScope | null =
    mode === 'task'
      ? taskId
        ? { task_id: Number(taskId) }
        : null
      : { ...(runtime ? { runtime } : {}), ...(modelDebounced ? { model_id: modelDebounced } : {}) };
  const importance = useImportance(scope);
  const [flag, setFlag] = useState<string | null>(null);

  const data = importance.data;
  const flags = data?.marginals.map((m) => m.name) ?? [];
  const shownFlag = flag && flags.includes(flag) ? flag : (data?.parameters[0]?.name ?? flags[0] ?? null);
  const marginal = data?.marginals.find((m) => m.name === shownFlag);

  return (
    <Stack gap="md">
      <Group align="flex-end" wrap="wrap" gap="md">
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as Mode)}
          data={[
            { value: 'task', label: 'One task' },
            { value: 'across', label: 'Across tasks' },
          ]}
          aria-label="Scope"
        />
        {mode === 'task' ? (
          <Select
            label="Task"
            placeholder={tasks.isPending ? 'Loading tasks…' : 'Pick a task'}
            data={(tasks.data ?? []).map((t) => ({ value: String(t.id), label: `#${t.id} ${t.task_name}` }))}
            value={taskId}
            onChange={setTaskId}
            searchable
            w={320}
          />
        ) : (
          <>
            <Select
              label="Runtime"
              placeholder="Any runtime"
              data={Object.entries(PRESET_RUNTIMES).map(([value, r]) => ({ value, label: r.label }))}
              value={runtime}
              onChange={(v) => setRuntime(v as PresetRuntime | null)}
              clearable
              w={180}
            />
            <TextInput label="Model" placeholder="Any model (e.g. meta-llama/Llama-3.1-8B)" value={model} onChange={(e) => setModel(e.currentTarget.value)} w={320} />
          </>
        )}
      </Group>
      {tasks.isError && mode === 'task' && <ApiErrorAlert error={tasks.error} title="The tasks could not be loaded" />}
      {scope === null ? (
        <Text size="sm" c="dimmed">
          Pick a task to see which of its flags explain the score.
        </Text>
      ) : importance.isError ? (
        <ApiErrorAlert error={importance.error} title="No importance for this choice" />
      ) : importance.isPending ? (
        <Text size="sm" c="dimmed">
          Estimating…
        </Text>
      ) : data && (data.experiments === 0 || data.parameters.length === 0) ? (
        <Alert color="gray" variant="light" title="Not enough experiments yet">
          {data.experiments === 0
            ? 'No finished experiment has a score here yet: run a task (New Task) and come back when some of its experiments have finished.'
            : `${data.experiments} experiments, but no flag varied between them: give the task a space with two or more values per flag.`}
        </Alert>
      ) : data ? (
        <>
          <Text size="sm" c="dimmed">
            {data.experiments} experiments in {data.tasks} {data.tasks === 1 ? 'task' : 'tasks'}; method: {data.method}.
          </Text>
          <ImportanceChart parameters={data.parameters} />
          <Group align="flex-end" gap="md">
            <Select label="Score per value of" data={flags} value={shownFlag} onChange={setFlag} w={260} allowDeselect={false} />
            <Text size="xs" c="dimmed" maw={520}>
              The box spans the middle half of the scores (q1–q3), the thin bar the lowest to the highest, the dot the median.
            </Text>
          </Group>
          {marginal && <MarginalChart name={marginal.name} values={marginal.values} />}
        </>
      ) : null}
    </Stack>
  );
}
