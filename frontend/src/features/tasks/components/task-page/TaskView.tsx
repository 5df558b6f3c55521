import { Anchor, Breadcrumbs, SimpleGrid, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { ApiErrorAlert } from '../../../../components/ApiErrorAlert';
import { paths } from '../../../../routes';
import { useTaskView } from '../../hooks/useTaskView';
import type { Task } from '../../types/task';
import { ExperimentLogDrawer } from '../ExperimentLogDrawer';
import { SaveAsPresetModal } from '../SaveAsPresetModal';
import { ExperimentsPanel } from './ExperimentsPanel';
import { ParetoFront } from './ParetoFront';
import { RunProgress } from './RunProgress';
import { RunResults } from './RunResults';
import { TaskHeader } from './TaskHeader';
import { TaskParameters } from './TaskParameters';
import { TaskSources } from './TaskSources';
import { TaskSummary } from './TaskSummary';
import { TaskVerdict } from './TaskVerdict';

/** A task's page: what it is, how its run goes, its results and experiments, its parameters. */
export function TaskView({ task }: { task: Task }) {
  const view = useTaskView(task);
  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} to={paths.tasks} size="sm">
          Tasks
        </Anchor>
        <Text size="sm">#{task.id}</Text>
      </Breadcrumbs>
      <TaskHeader task={task} />
      <TaskSummary task={task} />
      <RunProgress task={task} experiments={view.list} best={view.best} onShowTaskLog={view.showTaskLog} />
      {view.experiments.isError && <ApiErrorAlert error={view.experiments.error} title="The experiments could not be loaded" />}
      {view.list.length > 0 && <TaskVerdict task={task} experiments={view.list} onSave={view.saveAsPreset} />}
      {view.list.length > 0 && (
        <RunResults task={task} experiments={view.list} best={view.best} baseline={view.baseline} onSaveBest={view.saveAsPreset} />
      )}
      <ParetoFront task={task} experiments={view.list} onSave={view.saveAsPreset} />
      <ExperimentsPanel
        experiments={view.list}
        loading={view.experiments.isPending}
        running={view.running}
        bestId={view.best?.id ?? null}
        onShowLog={(e) => view.showExperimentLog(e.id)}
        onSaveAsPreset={(e) => view.saveAsPreset(e.id)}
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <TaskParameters task={task} />
        <TaskSources task={task} />
      </SimpleGrid>
      <ExperimentLogDrawer source={view.logSource} onClose={view.closeLog} />
      <SaveAsPresetModal task={task} experiment={view.saving} isBest={view.saving !== null && view.saving.id === view.best?.id} onClose={view.closeSave} />
    </Stack>
  );
}
