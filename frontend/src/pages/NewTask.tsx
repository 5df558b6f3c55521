import { Alert, Button, Grid, Group, Stack } from '@mantine/core';
import { IconRocket } from '@tabler/icons-react';
import { useNavigate } from 'react-router-dom';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { SuggestForModelButton } from '../features/analytics';
import {
  BenchmarkSection,
  DiscardEditsDialog,
  OptimizationSection,
  ParametersSection,
  SloSection,
  TaskSection,
  useNewTaskForm,
} from '../features/tasks';
import { preventEnterSubmit } from '../lib/forms';
import { spaceToRows } from '../lib/parameterSpace';
import { paths } from '../routes';

export function NewTaskPage() {
  const navigate = useNavigate();
  const form = useNewTaskForm();
  return (
    <>
      <PageHeader
        title="New tuning task"
        description="Describe the model and the benchmark, choose a parameter space, and let the autotuner search it."
        actions={
          <SuggestForModelButton
            runtime={form.fields.runtime}
            objective={form.fields.objective}
            onUse={(space, runtime) => {
              // The suggestion becomes the task's own space (presets off when none is picked, so the editor shows it).
              if (form.presets.on && form.presets.picked.length === 0) form.requestChange({ usePresets: false });
              form.set({ runtime });
              form.setRows(spaceToRows(space));
            }}
          />
        }
      />
      <form onSubmit={form.submit} noValidate aria-label="New task" onKeyDown={preventEnterSubmit}>
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Stack gap="lg">
              <TaskSection form={form} />
              <ParametersSection form={form} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <Stack gap="lg">
              <OptimizationSection form={form} />
              <BenchmarkSection form={form} />
              <SloSection form={form} />
              {form.localError && (
                <Alert color="orange" variant="light" role="alert">
                  {form.localError}
                </Alert>
              )}
              {form.serverError && !form.localError && (
                <ApiErrorAlert error={form.serverError} title="The task was not created" withFieldErrors />
              )}
              <Group justify="flex-end" wrap="wrap">
                <Button variant="default" onClick={() => navigate(paths.tasks)}>
                  Cancel
                </Button>
                <Button type="submit" size="md" leftSection={<IconRocket size={18} />} loading={form.pending}>
                  Submit task
                </Button>
              </Group>
            </Stack>
          </Grid.Col>
        </Grid>
      </form>
      <DiscardEditsDialog form={form} />
    </>
  );
}
