import { Badge, Group, Stack, Switch, Text } from '@mantine/core';
import { IconAdjustments, IconStack2 } from '@tabler/icons-react';
import { ApiErrorAlert } from '../../../../components/ApiErrorAlert';
import { ParameterEditor } from '../../../../components/ParameterEditor';
import { Section } from '../../../../components/Section';
import { PresetSelector } from '../../../presets';
import type { NewTaskForm } from '../../hooks/useNewTaskForm';

/** The space to search: typed by hand, or presets merged by the server and fine-tuned here. */
export function ParametersSection({ form }: { form: NewTaskForm }) {
  const { presets } = form;
  return (
    <Section
      title="Parameters"
      icon={<IconStack2 size={20} color="var(--mantine-color-indigo-6)" />}
      actions={
        <Switch
          label="Use Parameter Presets"
          checked={presets.on}
          onChange={(e) => form.requestChange({ usePresets: e.currentTarget.checked })}
        />
      }
    >
      <Stack gap="lg">
        {presets.on &&
          (presets.list.isError ? (
            <ApiErrorAlert error={presets.list.error} title="The presets could not be loaded" />
          ) : (
            <PresetSelector
              presets={presets.list.data ?? []}
              value={presets.picked}
              onChange={(ids) => form.requestChange({ ids })}
              strategy={presets.strategy}
              onStrategyChange={(strategy) => form.requestChange({ strategy })}
              merge={{ data: presets.merge.data, loading: presets.merge.isFetching, error: presets.merge.error }}
              disabled={presets.list.isPending}
              resolutions={presets.resolutions}
              onResolve={(parameter, value) => form.requestChange({ resolution: { parameter, value } })}
            />
          ))}
        {(!presets.on || presets.picked.length > 0) && (
          <div data-testid="fine-tune">
            <Group justify="space-between" mb={6} wrap="wrap" gap="xs">
              <Group gap={6}>
                <IconAdjustments size={16} />
                <Text fw={500} size="sm">
                  {presets.on ? 'Fine-tune the merged parameters' : 'Parameter space'}
                </Text>
                {form.edited && (
                  <Badge size="xs" color="orange" variant="light">
                    edited
                  </Badge>
                )}
              </Group>
              <Badge variant="outline" color="gray" data-testid="final-combinations" styles={{ root: { flexShrink: 0 } }}>
                {form.combinations} {form.combinations === 1 ? 'combination' : 'combinations'} to run
              </Badge>
            </Group>
            <ParameterEditor
              rows={form.rows}
              onChange={form.setRows}
              suggestions={form.suggestions}
              errors={form.parameterErrors}
              showAllProblems={form.submitted}
            />
          </div>
        )}
      </Stack>
    </Section>
  );
}
