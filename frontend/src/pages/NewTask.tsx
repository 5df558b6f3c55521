import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Collapse,
  Grid,
  Group,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAdjustments, IconRocket, IconStack2 } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert, parameterErrors, topFieldErrors } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { ParameterEditor } from '../components/ParameterEditor';
import { preventEnterSubmit } from '../components/PresetFormModal';
import { PresetSelector } from '../components/PresetSelector';
import {
  countCombinations,
  diffAgainstMerged,
  newRowId,
  rowProblems,
  rowsToSpace,
  spaceToRows,
  type ParameterRow,
} from '../lib/parameterSpace';
import { usePresetMerge, usePresets } from '../services/presetService';
import { useRuntimeParameters } from '../services/runtimeService';
import { useCreateTask } from '../services/taskService';
import type { MergeStrategy, ParameterSpace } from '../types/preset';
import {
  OBJECTIVES,
  STRATEGIES,
  type BaseRuntime,
  type Objective,
  type OptimizationStrategy,
  type Percentile,
  type TaskCreate,
} from '../types/task';

/** The space a new task starts with, per engine (llama.cpp's flags differ from SGLang's and vLLM's). */
function defaultRows(runtime: BaseRuntime): ParameterRow[] {
  if (runtime === 'llamacpp') {
    return [
      { id: newRowId(), name: 'parallel', values: [1, 4] },
      { id: newRowId(), name: 'threads', values: [1] },
    ];
  }
  return [{ id: newRowId(), name: 'tp-size', values: [1] }];
}

type SloName = 'ttft' | 'tpot' | 'latency';
interface SloField {
  enabled: boolean;
  percentile: Percentile;
  max_ms: number | string;
  hard: boolean;
}

const SLO_LABELS: Record<SloName, string> = {
  ttft: 'Time to first token',
  tpot: 'Time per output token',
  latency: 'End-to-end latency',
};
const SLO_DEFAULTS: Record<SloName, SloField> = {
  ttft: { enabled: true, percentile: 'p90', max_ms: 500, hard: false },
  tpot: { enabled: false, percentile: 'p90', max_ms: 50, hard: false },
  latency: { enabled: false, percentile: 'p99', max_ms: 5000, hard: false },
};

/** A pending change of presets or strategy that would discard the user's fine-tuning. */
type PendingChange = { ids: number[] } | { strategy: MergeStrategy } | { usePresets: boolean };

export function NewTaskPage() {
  const navigate = useNavigate();
  const createTask = useCreateTask();
  const presets = usePresets();

  const [taskName, setTaskName] = useState('throughput-sweep');
  const [description, setDescription] = useState('');
  const [model, setModel] = useState('Qwen/Qwen2.5-0.5B-Instruct');
  const [runtime, setRuntime] = useState<BaseRuntime>('sglang');
  const [strategy, setStrategy] = useState<OptimizationStrategy>('grid_search');
  const [objective, setObjective] = useState<Objective>('maximize_throughput');
  const [maxIterations, setMaxIterations] = useState<number | string>(20);
  const [timeoutPerIteration, setTimeoutPerIteration] = useState<number | string>(600);
  const [scenarios, setScenarios] = useState<string[]>(['D(100,100)']);
  const [concurrency, setConcurrency] = useState<string[]>(['1', '4', '16']);
  const [withSlo, setWithSlo] = useState(false);
  const [slos, setSlos] = useState<Record<SloName, SloField>>(SLO_DEFAULTS);

  const [usePresetsOn, setUsePresetsOn] = useState(false);
  const [picked, setPicked] = useState<number[]>([]);
  const [mergeStrategy, setMergeStrategy] = useState<MergeStrategy>('union');
  const [rows, setRows] = useState<ParameterRow[]>(() => defaultRows('sglang'));
  const [edited, setEdited] = useState(false);
  const [pending, setPending] = useState<PendingChange | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);

  const mergeRequest = usePresetsOn && picked.length > 0 ? { preset_ids: picked, merge_strategy: mergeStrategy } : null;
  const merge = usePresetMerge(mergeRequest);
  const merged = merge.data && !merge.isPlaceholderData ? (merge.data.parameters as ParameterSpace) : undefined;
  const suggestions = useRuntimeParameters(runtime === 'command' ? null : runtime);

  // Fill the fine-tune editor with each new merge, unless the user has edits of their own.
  useEffect(() => {
    if (merged && !edited) setRows(spaceToRows(merged));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [merged]);

  const applyChange = (change: PendingChange) => {
    if ('ids' in change) setPicked(change.ids);
    if ('strategy' in change) setMergeStrategy(change.strategy);
    if ('usePresets' in change) {
      setUsePresetsOn(change.usePresets);
      if (!change.usePresets) setPicked([]);
    }
    setEdited(false);
  };
  const requestChange = (change: PendingChange) => {
    if (edited && usePresetsOn && picked.length > 0) setPending(change);
    else applyChange(change);
  };

  const finalSpace = rowsToSpace(rows);
  const combinations = countCombinations(finalSpace);
  const serverError = createTask.error;
  const fields = topFieldErrors(serverError);
  const paramErrors = parameterErrors(serverError);
  const concurrencyProblem = concurrency.some((c) => !/^\d+$/.test(c) || Number(c) < 1)
    ? 'Concurrency levels are whole numbers of at least 1.'
    : undefined;
  const sloPayload = useMemo(() => {
    if (!withSlo) return undefined;
    const out: NonNullable<TaskCreate['slo']> = {};
    for (const name of Object.keys(slos) as SloName[]) {
      const s = slos[name];
      if (s.enabled) out[name] = { percentile: s.percentile, max_ms: Number(s.max_ms), hard: s.hard };
    }
    return Object.keys(out).length ? out : undefined;
  }, [withSlo, slos]);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    const problems = Object.values(rowProblems(rows));
    if (problems.length) return setLocalError(`Fix the parameters first: ${problems[0]}`);
    if (concurrencyProblem) return setLocalError(concurrencyProblem);
    const body: TaskCreate = {
      task_name: taskName.trim(),
      description: description.trim() || null,
      model: { id_or_path: model.trim() },
      base_runtime: runtime,
      deployment_mode: 'local',
      optimization: {
        strategy,
        objective,
        max_iterations: Number(maxIterations),
        timeout_per_iteration: Number(timeoutPerIteration),
      },
      benchmark: { traffic_scenarios: scenarios, concurrency: concurrency.map(Number) },
      slo: sloPayload ?? null,
    };
    if (usePresetsOn && picked.length > 0) {
      if (!merged) return setLocalError('Wait for the merged parameters to load, then submit again.');
      const diff = diffAgainstMerged(merged, finalSpace);
      if (diff.removed.length) {
        return setLocalError(
          `The presets define ${diff.removed.map((n) => `'${n}'`).join(', ')}; a task cannot drop a preset's parameter. Keep it with the values you want, or remove the preset.`,
        );
      }
      body.presets = { ids: picked, merge_strategy: mergeStrategy };
      if (Object.keys(diff.overrides).length) body.presets.overrides = diff.overrides;
    } else {
      if (Object.keys(finalSpace).length === 0) return setLocalError('Add at least one parameter, or use presets.');
      body.parameters = finalSpace;
    }
    createTask.mutate(body, {
      onSuccess: (task) => {
        notifications.show({ color: 'teal', title: 'Task created', message: `“${task.task_name}” is queued.` });
        navigate(`/tasks/${task.id}`);
      },
    });
  };

  return (
    <>
      <PageHeader
        title="New tuning task"
        description="Describe the model and the benchmark, choose a parameter space, and let the autotuner search it."
      />
      <form onSubmit={submit} noValidate aria-label="New task" onKeyDown={preventEnterSubmit}>
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Stack gap="lg">
              <Paper withBorder p="lg" shadow="xs">
                <Title order={4} mb="md">
                  Task
                </Title>
                <Stack gap="sm">
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <TextInput
                      label="Task name"
                      required
                      value={taskName}
                      onChange={(e) => setTaskName(e.currentTarget.value)}
                      error={fields.task_name}
                    />
                    <TextInput
                      label="Model"
                      description={
                        runtime === 'llamacpp'
                          ? 'Path of a .gguf file on the server (autotuner models make-tiny tiny.gguf makes one)'
                          : 'Hugging Face id or local path'
                      }
                      required
                      value={model}
                      onChange={(e) => setModel(e.currentTarget.value)}
                      error={fields['model.id_or_path'] ?? fields.model}
                      inputWrapperOrder={['label', 'input', 'description', 'error']}
                    />
                  </SimpleGrid>
                  <Textarea
                    label="Description"
                    placeholder="Optional: what you want to learn from this run"
                    autosize
                    minRows={1}
                    value={description}
                    onChange={(e) => setDescription(e.currentTarget.value)}
                    error={fields.description}
                  />
                  <Group gap="xl" align="flex-end">
                    <Stack gap={4}>
                      <Text size="sm" fw={500} id="runtime-label">
                        Runtime
                      </Text>
                      <SegmentedControl
                        aria-labelledby="runtime-label"
                        value={runtime}
                        onChange={(v) => {
                          // An untouched starting space follows the engine: llama.cpp has no tp-size.
                          if (!edited && !usePresetsOn) setRows(defaultRows(v as BaseRuntime));
                          setRuntime(v as BaseRuntime);
                        }}
                        data={[
                          { value: 'sglang', label: 'SGLang' },
                          { value: 'vllm', label: 'vLLM' },
                          { value: 'llamacpp', label: 'llama.cpp' },
                          { value: 'command', label: 'Command' },
                        ]}
                      />
                    </Stack>
                    <Stack gap={4}>
                      <Text size="sm" fw={500}>
                        Deployment
                      </Text>
                      <Badge variant="light" color="gray" size="lg" tt="none">
                        Local
                      </Badge>
                    </Stack>
                  </Group>
                </Stack>
              </Paper>

              <Paper withBorder p="lg" shadow="xs">
                <Group justify="space-between" mb="md">
                  <Group gap={8}>
                    <IconStack2 size={20} color="var(--mantine-color-indigo-6)" />
                    <Title order={4}>Parameters</Title>
                  </Group>
                  <Switch
                    label="Use Parameter Presets"
                    checked={usePresetsOn}
                    onChange={(e) => requestChange({ usePresets: e.currentTarget.checked })}
                  />
                </Group>
                <Stack gap="lg">
                  {usePresetsOn &&
                    (presets.isError ? (
                      <ApiErrorAlert error={presets.error} title="The presets could not be loaded" />
                    ) : (
                      <PresetSelector
                        presets={presets.data ?? []}
                        value={picked}
                        onChange={(ids) => requestChange({ ids })}
                        strategy={mergeStrategy}
                        onStrategyChange={(s) => requestChange({ strategy: s })}
                        merge={{ data: merge.data, loading: merge.isFetching, error: merge.error }}
                        disabled={presets.isPending}
                      />
                    ))}
                  {(!usePresetsOn || picked.length > 0) && (
                    <div data-testid="fine-tune">
                      <Group justify="space-between" mb={6}>
                        <Group gap={6}>
                          <IconAdjustments size={16} />
                          <Text fw={500} size="sm">
                            {usePresetsOn ? 'Fine-tune the merged parameters' : 'Parameter space'}
                          </Text>
                          {edited && usePresetsOn && (
                            <Badge size="xs" color="orange" variant="light">
                              edited
                            </Badge>
                          )}
                        </Group>
                        <Badge variant="outline" color="gray" data-testid="final-combinations">
                          {combinations} {combinations === 1 ? 'combination' : 'combinations'} to run
                        </Badge>
                      </Group>
                      <ParameterEditor
                        rows={rows}
                        onChange={(next) => {
                          setRows(next);
                          setEdited(true);
                        }}
                        suggestions={suggestions}
                        errors={paramErrors}
                      />
                    </div>
                  )}
                </Stack>
              </Paper>
            </Stack>
          </Grid.Col>

          <Grid.Col span={{ base: 12, lg: 5 }}>
            <Stack gap="lg">
              <Paper withBorder p="lg" shadow="xs">
                <Title order={4} mb="md">
                  Optimization
                </Title>
                <Stack gap="sm">
                  <Select
                    label="Strategy"
                    data={STRATEGIES}
                    value={strategy}
                    onChange={(v) => v && setStrategy(v as OptimizationStrategy)}
                    allowDeselect={false}
                    error={fields['optimization.strategy']}
                  />
                  <Select
                    label="Objective"
                    data={OBJECTIVES}
                    value={objective}
                    onChange={(v) => v && setObjective(v as Objective)}
                    allowDeselect={false}
                    error={fields['optimization.objective']}
                  />
                  <SimpleGrid cols={2}>
                    <NumberInput
                      label="Max iterations"
                      min={1}
                      value={maxIterations}
                      onChange={setMaxIterations}
                      error={fields['optimization.max_iterations']}
                    />
                    <NumberInput
                      label="Timeout per iteration"
                      suffix=" s"
                      min={1}
                      value={timeoutPerIteration}
                      onChange={setTimeoutPerIteration}
                      error={fields['optimization.timeout_per_iteration']}
                    />
                  </SimpleGrid>
                </Stack>
              </Paper>

              <Paper withBorder p="lg" shadow="xs">
                <Title order={4} mb="md">
                  Benchmark
                </Title>
                <Stack gap="sm">
                  <TagsInput
                    label="Traffic scenarios"
                    description="D(input,output) tokens, e.g. D(100,100)"
                    value={scenarios}
                    onChange={setScenarios}
                    splitChars={[' ']}
                    error={fields['benchmark.traffic_scenarios']}
                  />
                  <TagsInput
                    label="Concurrency levels"
                    value={concurrency}
                    onChange={setConcurrency}
                    splitChars={[',', ' ']}
                    error={concurrencyProblem ?? fields['benchmark.concurrency']}
                  />
                </Stack>
              </Paper>

              <Paper withBorder p="lg" shadow="xs">
                <Group justify="space-between">
                  <Title order={4}>Service level objectives</Title>
                  <Switch label="Set SLOs" checked={withSlo} onChange={(e) => setWithSlo(e.currentTarget.checked)} />
                </Group>
                <Collapse expanded={withSlo}>
                  <Stack gap="sm" mt="md">
                    {(Object.keys(SLO_LABELS) as SloName[]).map((name) => {
                      const slo = slos[name];
                      const set = (patch: Partial<SloField>) => setSlos({ ...slos, [name]: { ...slo, ...patch } });
                      return (
                        <Group key={name} gap="sm" align="flex-end" wrap="nowrap">
                          <Checkbox
                            label={SLO_LABELS[name]}
                            checked={slo.enabled}
                            onChange={(e) => set({ enabled: e.currentTarget.checked })}
                            w={170}
                            mb={8}
                          />
                          <Select
                            aria-label={`${SLO_LABELS[name]} percentile`}
                            data={['p50', 'p90', 'p99']}
                            value={slo.percentile}
                            onChange={(v) => v && set({ percentile: v as Percentile })}
                            allowDeselect={false}
                            disabled={!slo.enabled}
                            w={80}
                          />
                          <NumberInput
                            aria-label={`${SLO_LABELS[name]} limit`}
                            value={slo.max_ms}
                            onChange={(v) => set({ max_ms: v })}
                            suffix=" ms"
                            min={1}
                            disabled={!slo.enabled}
                            w={110}
                            error={fields[`slo.${name}.max_ms`]}
                          />
                          <Switch
                            label="Hard"
                            checked={slo.hard}
                            onChange={(e) => set({ hard: e.currentTarget.checked })}
                            disabled={!slo.enabled}
                            mb={8}
                          />
                        </Group>
                      );
                    })}
                  </Stack>
                </Collapse>
              </Paper>

              {localError && (
                <Alert color="orange" variant="light" role="alert">
                  {localError}
                </Alert>
              )}
              {serverError && !localError && <ApiErrorAlert error={serverError} title="The task was not created" withFieldErrors />}
              <Group justify="flex-end">
                <Button variant="default" onClick={() => navigate('/tasks')}>
                  Cancel
                </Button>
                <Button type="submit" size="md" leftSection={<IconRocket size={18} />} loading={createTask.isPending}>
                  Submit task
                </Button>
              </Group>
            </Stack>
          </Grid.Col>
        </Grid>
      </form>

      <Modal opened={!!pending} onClose={() => setPending(null)} title={<Text fw={650}>Discard your fine-tuning?</Text>} centered>
        <Stack>
          <Text size="sm">
            You edited the merged parameters. Changing the presets or the merge strategy merges them again and replaces your
            edits.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setPending(null)}>
              Keep my edits
            </Button>
            <Button
              color="orange"
              onClick={() => {
                if (pending) applyChange(pending);
                setPending(null);
              }}
            >
              Discard edits and re-merge
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
