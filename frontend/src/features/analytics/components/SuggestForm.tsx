/**
 * "Suggest for my model": runtime, model (built-in table or a config.json on the server),
 * hardware (detected or given), objective and scenario -> the suggestion, shown below the form.
 */
import { Autocomplete, Button, Drawer, Grid, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { IconBulb } from '@tabler/icons-react';
import { useState } from 'react';
import { OBJECTIVES, PRESET_RUNTIMES, type Objective, type PresetRuntime, type Runtime } from '../../../api/enums';
import { ApiErrorAlert } from '../../../components/ApiErrorAlert';
import { preventEnterSubmit } from '../../../lib/forms';
import type { ParameterSpace } from '../../../lib/parameterSpace';
import { useModelShapes, useSuggest } from '../api/analyticsService';
import type { SuggestRequest } from '../types';
import { SuggestionView } from './SuggestionView';

type ModelSource = 'builtin' | 'config';
type HardwareSource = 'detect' | 'given';

export interface SuggestFields {
  runtime: PresetRuntime;
  modelSource: ModelSource;
  modelId: string | null;
  configPath: string;
  dtype: string;
  hardware: HardwareSource;
  gpuModel: string;
  gpuMemoryGb: number | string;
  gpuCount: number | string;
  objective: Objective;
  scenario: string;
}

export const SUGGEST_DEFAULTS: SuggestFields = {
  runtime: 'sglang',
  modelSource: 'builtin',
  modelId: null,
  configPath: '',
  dtype: '',
  hardware: 'detect',
  gpuModel: '',
  gpuMemoryGb: 80,
  gpuCount: 1,
  objective: 'maximize_throughput',
  scenario: 'D(1000,200)',
};

const DTYPES = ['bfloat16', 'float16', 'float32', 'fp8', 'int8', 'int4'];

/** The request for the fields, or the sentence saying what is missing. */
export function suggestBody(f: SuggestFields): { body: SuggestRequest } | { problem: string } {
  const model =
    f.modelSource === 'builtin'
      ? f.modelId
        ? { id: f.modelId, config_path: null }
        : null
      : f.configPath.trim()
        ? { id: null, config_path: f.configPath.trim() }
        : null;
  if (!model) {
    return {
      problem:
        f.modelSource === 'builtin'
          ? 'Choose a model from the list, or give the path of its config.json on the server.'
          : 'Give the path of the model’s config.json on the server (e.g. /models/llama/config.json).',
    };
  }
  let hardware: SuggestRequest['hardware'] = null;
  if (f.hardware === 'given') {
    const memory = Number(f.gpuMemoryGb);
    const count = Number(f.gpuCount);
    if (f.gpuMemoryGb === '' || !(memory > 0)) return { problem: 'Give the memory of one GPU in GB (e.g. 80).' };
    if (f.gpuCount === '' || !Number.isInteger(count) || count < 1) return { problem: 'Give the number of GPUs: a whole number of at least 1.' };
    hardware = { gpu_model: f.gpuModel.trim() || null, gpu_memory_gb: memory, gpu_count: count };
  }
  if (!f.scenario.trim()) return { problem: 'Give a scenario in genai-bench notation, e.g. D(1000,200).' };
  return {
    body: {
      runtime: f.runtime,
      model,
      dtype: f.dtype.trim() || null,
      hardware,
      objective: f.objective,
      scenario: f.scenario.trim(),
    },
  };
}

interface Props {
  initial?: Partial<SuggestFields>;
  /** 'side': the form beside its answer (a wide page); 'stacked': the answer below (a drawer). */
  layout?: 'side' | 'stacked';
  /** "Use in task" (the New Task page). */
  onUse?: (space: ParameterSpace, runtime: PresetRuntime) => void;
}

export function SuggestForm({ initial, onUse, layout = 'stacked' }: Props) {
  const [fields, setFields] = useState<SuggestFields>({ ...SUGGEST_DEFAULTS, ...initial });
  const [problem, setProblem] = useState<string | null>(null);
  const models = useModelShapes();
  const suggest = useSuggest();
  const set = (patch: Partial<SuggestFields>) => setFields((current) => ({ ...current, ...patch }));
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const result = suggestBody(fields);
    if ('problem' in result) return setProblem(result.problem);
    setProblem(null);
    suggest.mutate(result.body);
  };
  // The answer belongs to the request it was made for.
  const asked = suggest.variables;
  const modelLabel = asked?.model.id ?? asked?.model.config_path ?? '';
  const modelOptions = (models.data ?? []).map((m) => ({ value: m.id, label: `${m.id} (${m.params_b} B, ${m.dtype})` }));
  const form = (
      <form onSubmit={submit} aria-label="Suggest a parameter space" onKeyDown={preventEnterSubmit} noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Runtime"
              data={Object.entries(PRESET_RUNTIMES).map(([value, r]) => ({ value, label: r.label }))}
              value={fields.runtime}
              onChange={(v) => v && set({ runtime: v as PresetRuntime })}
              allowDeselect={false}
            />
            <Select
              label="Objective"
              data={Object.entries(OBJECTIVES).map(([value, o]) => ({ value, label: o.label }))}
              value={fields.objective}
              onChange={(v) => v && set({ objective: v as Objective })}
              allowDeselect={false}
            />
          </SimpleGrid>
          <div>
            <Text size="sm" fw={600} mb={4}>
              Model
            </Text>
            <SegmentedControl
              size="xs"
              mb={6}
              value={fields.modelSource}
              onChange={(v) => set({ modelSource: v as ModelSource })}
              data={[
                { value: 'builtin', label: 'Built-in list' },
                { value: 'config', label: 'config.json on the server' },
              ]}
              aria-label="Model source"
            />
            {fields.modelSource === 'builtin' ? (
              <Select
                aria-label="Model"
                placeholder={models.isPending ? 'Loading models…' : 'Pick a model'}
                data={modelOptions}
                value={fields.modelId}
                onChange={(v) => set({ modelId: v })}
                searchable
                error={models.isError ? 'The built-in models could not be loaded.' : undefined}
              />
            ) : (
              <TextInput
                aria-label="config.json path"
                placeholder="/models/Llama-3.1-8B-Instruct/config.json"
                description="A path on the machine the service runs on; it is read, never run."
                value={fields.configPath}
                onChange={(e) => set({ configPath: e.currentTarget.value })}
              />
            )}
          </div>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Autocomplete
              label="Weights dtype"
              placeholder="The model's own"
              data={DTYPES}
              value={fields.dtype}
              onChange={(v) => set({ dtype: v })}
            />
            <TextInput
              label="Scenario"
              description="genai-bench notation: D(input tokens,output tokens)"
              value={fields.scenario}
              onChange={(e) => set({ scenario: e.currentTarget.value })}
            />
          </SimpleGrid>
          <div>
            <Text size="sm" fw={600} mb={4}>
              Hardware
            </Text>
            <SegmentedControl
              size="xs"
              mb={6}
              value={fields.hardware}
              onChange={(v) => set({ hardware: v as HardwareSource })}
              data={[
                { value: 'detect', label: 'Detect (nvidia-smi)' },
                { value: 'given', label: 'Given' },
              ]}
              aria-label="Hardware source"
            />
            {fields.hardware === 'given' && (
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <TextInput label="GPU model" placeholder="H100 80GB" value={fields.gpuModel} onChange={(e) => set({ gpuModel: e.currentTarget.value })} />
                <NumberInput label="Memory per GPU (GB)" min={1} value={fields.gpuMemoryGb} onChange={(v) => set({ gpuMemoryGb: v })} />
                <NumberInput label="GPUs" min={1} allowDecimal={false} value={fields.gpuCount} onChange={(v) => set({ gpuCount: v })} />
              </SimpleGrid>
            )}
          </div>
          {problem && (
            <Text size="sm" c="orange.8" role="alert">
              {problem}
            </Text>
          )}
          {suggest.error && <ApiErrorAlert error={suggest.error} title="No suggestion" withFieldErrors />}
          <Group justify="flex-end">
            <Button type="submit" leftSection={<IconBulb size={16} />} loading={suggest.isPending}>
              Suggest
            </Button>
          </Group>
        </Stack>
      </form>
  );
  const answer =
    suggest.data && asked ? (
      <SuggestionView
        suggestion={suggest.data}
        runtime={asked.runtime}
        modelLabel={modelLabel}
        onUse={onUse ? (space) => onUse(space, asked.runtime) : undefined}
      />
    ) : null;
  if (layout === 'side') {
    return (
      <Grid gap="xl">
        <Grid.Col span={{ base: 12, lg: 5 }}>{form}</Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          {answer ?? (
            <Text size="sm" c="dimmed">
              Choose a model and the hardware, then Suggest: the space appears here with the reason for every value.
            </Text>
          )}
        </Grid.Col>
      </Grid>
    );
  }
  return (
    <Stack gap="lg">
      {form}
      {answer}
    </Stack>
  );
}

/** The New Task page's "Suggest for my model": a drawer whose "Use in task" fills the space. */
export function SuggestForModelButton({
  runtime,
  objective,
  onUse,
}: {
  runtime: Runtime;
  objective: Objective;
  onUse: (space: ParameterSpace, runtime: PresetRuntime) => void;
}) {
  const [opened, setOpened] = useState(false);
  const engine = runtime in PRESET_RUNTIMES ? (runtime as PresetRuntime) : undefined;
  return (
    <>
      <Button variant="light" leftSection={<IconBulb size={16} />} onClick={() => setOpened(true)}>
        Suggest for my model
      </Button>
      <Drawer opened={opened} onClose={() => setOpened(false)} position="right" size="xl" title={<Text fw={650}>Suggest a parameter space</Text>}>
        {opened && (
          <SuggestForm
            initial={{ ...(engine ? { runtime: engine } : {}), objective }}
            onUse={(space, chosen) => {
              onUse(space, chosen);
              setOpened(false);
            }}
          />
        )}
      </Drawer>
    </>
  );
}
