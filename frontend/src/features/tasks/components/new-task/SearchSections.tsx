import { Checkbox, Collapse, Divider, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Switch, TagsInput } from '@mantine/core';
import { Section } from '../../../../components/Section';
import {
  OBJECTIVES,
  OPTIMIZATION_STRATEGIES,
  optionsOf,
  PERCENTILES,
  type Objective,
  type OptimizationStrategy,
  type Percentile,
} from '../../../../api/enums';
import { SLO_LABELS, trustProblem, type SloField, type SloName } from '../../hooks/newTaskBody';
import type { NewTaskForm } from '../../hooks/useNewTaskForm';

/** How to search: strategy, objective and budget. */
export function OptimizationSection({ form }: { form: NewTaskForm }) {
  const { fields, set, fieldErrors } = form;
  return (
    <Section title="Optimization">
      <Stack gap="sm">
        <Select
          label="Strategy"
          data={optionsOf(OPTIMIZATION_STRATEGIES)}
          value={fields.strategy}
          onChange={(v) => v && set({ strategy: v as OptimizationStrategy })}
          allowDeselect={false}
          error={fieldErrors['optimization.strategy']}
        />
        <Select
          label="Objective"
          data={optionsOf(OBJECTIVES)}
          value={fields.objective}
          onChange={(v) => v && set({ objective: v as Objective })}
          allowDeselect={false}
          error={fieldErrors['optimization.objective']}
        />
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <NumberInput
            label="Max iterations"
            min={1}
            value={fields.maxIterations}
            onChange={(maxIterations) => set({ maxIterations })}
            error={fieldErrors['optimization.max_iterations']}
          />
          <NumberInput
            label="Timeout per iteration"
            suffix=" s"
            min={1}
            value={fields.timeoutPerIteration}
            onChange={(timeoutPerIteration) => set({ timeoutPerIteration })}
            error={fieldErrors['optimization.timeout_per_iteration']}
          />
        </SimpleGrid>
        <TrustFields form={form} />
      </Stack>
    </Section>
  );
}

/** What traffic to measure with. */
export function BenchmarkSection({ form }: { form: NewTaskForm }) {
  const { fields, set, fieldErrors } = form;
  return (
    <Section title="Benchmark">
      <Stack gap="sm">
        <TagsInput
          label="Traffic scenarios"
          description="D(input,output) tokens, e.g. D(100,100)"
          value={fields.scenarios}
          onChange={(scenarios) => set({ scenarios })}
          splitChars={[' ']}
          error={fieldErrors['benchmark.traffic_scenarios']}
        />
        <TagsInput
          label="Concurrency levels"
          value={fields.concurrency}
          onChange={(concurrency) => set({ concurrency })}
          splitChars={[',', ' ']}
          error={form.concurrencyProblem ?? fieldErrors['benchmark.concurrency']}
        />
      </Stack>
    </Section>
  );
}

/** Limits the best configuration must keep; each row wraps rather than leave its card. */
export function SloSection({ form }: { form: NewTaskForm }) {
  const { fields, set, fieldErrors } = form;
  return (
    <Section
      title="Service level objectives"
      actions={<Switch label="Set SLOs" checked={fields.withSlo} onChange={(e) => set({ withSlo: e.currentTarget.checked })} />}
    >
      <Collapse expanded={fields.withSlo}>
        <Stack gap="sm">
          {(Object.keys(SLO_LABELS) as SloName[]).map((name) => {
            const slo = fields.slos[name];
            const update = (patch: Partial<SloField>) => set({ slos: { ...fields.slos, [name]: { ...slo, ...patch } } });
            return (
              <Group key={name} gap="sm" align="flex-end" wrap="wrap">
                <Checkbox
                  label={SLO_LABELS[name]}
                  checked={slo.enabled}
                  onChange={(e) => update({ enabled: e.currentTarget.checked })}
                  w={170}
                  mb={8}
                />
                <Group gap="sm" align="flex-end" wrap="nowrap">
                  <Select
                    aria-label={`${SLO_LABELS[name]} percentile`}
                    data={optionsOf(PERCENTILES)}
                    value={slo.percentile}
                    onChange={(v) => v && update({ percentile: v as Percentile })}
                    allowDeselect={false}
                    disabled={!slo.enabled}
                    w={80}
                  />
                  <NumberInput
                    aria-label={`${SLO_LABELS[name]} limit`}
                    value={slo.max_ms}
                    onChange={(max_ms) => update({ max_ms })}
                    suffix=" ms"
                    min={1}
                    disabled={!slo.enabled}
                    w={110}
                    error={fieldErrors[`slo.${name}.max_ms`]}
                  />
                  <Switch label="Hard" checked={slo.hard} onChange={(e) => update({ hard: e.currentTarget.checked })} disabled={!slo.enabled} mb={8} />
                </Group>
              </Group>
            );
          })}
        </Stack>
      </Collapse>
    </Section>
  );
}

/** Results you can trust: repeats of the best, several objectives, early stopping, learning and warm start. */
function TrustFields({ form }: { form: NewTaskForm }) {
  const { fields, set, fieldErrors } = form;
  const problem = trustProblem(fields);
  const learns = fields.strategy === 'bayesian';
  return (
    <>
      <Divider label="Results you can trust" labelPosition="left" mt={4} />
      <SimpleGrid cols={{ base: 1, xs: 2 }}>
        <NumberInput
          label="Repeats"
          description="Extra runs of each top configuration at the end, to measure noise; 0 turns it off."
          min={0}
          max={20}
          allowDecimal={false}
          value={fields.repeats}
          onChange={(repeats) => set({ repeats })}
          error={(problem?.startsWith('Repeats') ? problem : undefined) ?? fieldErrors['optimization.repeats']}
        />
        <NumberInput
          label="Repeat top"
          description="How many of the best configurations are repeated."
          min={1}
          max={20}
          allowDecimal={false}
          disabled={Number(fields.repeats) === 0}
          value={fields.repeatTop}
          onChange={(repeatTop) => set({ repeatTop })}
          error={(problem?.startsWith('Repeat top') ? problem : undefined) ?? fieldErrors['optimization.repeat_top']}
        />
      </SimpleGrid>
      <MultiSelect
        label="Objectives (Pareto front)"
        description="Two or three to keep the front of their trade-off; none: the single objective above ranks."
        placeholder={fields.objectives.length ? undefined : 'None: single objective'}
        data={optionsOf(OBJECTIVES)}
        value={fields.objectives}
        onChange={(v) => set({ objectives: v as Objective[] })}
        maxValues={3}
        clearable
        error={(problem?.startsWith('Pick') ? problem : undefined) ?? fieldErrors['optimization.objectives']}
      />
      <Stack gap={8}>
        <Switch
          label="Prune hopeless experiments"
          description="Stop an experiment early when its first level scores far below the best so far there."
          checked={fields.prune}
          onChange={(e) => set({ prune: e.currentTarget.checked })}
        />
        <Switch
          label="Learn from failures"
          description={`Failed experiments teach the search where configurations crash${learns ? '.' : ' (bayesian strategy only).'}`}
          checked={fields.learnFailures}
          onChange={(e) => set({ learnFailures: e.currentTarget.checked })}
        />
        <Switch
          label="Warm start"
          description={`Seed the search with earlier tasks on the same runtime, model and GPUs${learns ? '.' : ' (bayesian strategy only).'}`}
          checked={fields.warmStart}
          onChange={(e) => set({ warmStart: e.currentTarget.checked })}
        />
      </Stack>
    </>
  );
}
