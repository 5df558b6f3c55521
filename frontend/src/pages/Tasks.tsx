import { Button, EmptyState, Paper, SegmentedControl, Skeleton, Stack } from '@mantine/core';
import { IconListDetails, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { keysOf, TASK_STATUS, type TaskStatus } from '../api/enums';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { TaskFileButton, TaskFileProblem, TasksTable, useCreateTaskFromFile, useTasks } from '../features/tasks';
import { paths } from '../routes';

type Filter = 'all' | TaskStatus;
const FILTERS: { value: Filter; label: string }[] = [
  { value: 'all', label: 'All' },
  ...keysOf(TASK_STATUS).map((value) => ({ value, label: TASK_STATUS[value].label })),
];

export function TasksPage() {
  const [filter, setFilter] = useState<Filter>('all');
  const tasks = useTasks(filter === 'all' ? undefined : filter);
  const fromFile = useCreateTaskFromFile();
  const rows = tasks.data ?? [];

  return (
    <>
      <PageHeader
        title="Tuning tasks"
        description="Every task, how far its search has got, and where its parameters came from."
        actions={
          <>
            <TaskFileButton onFile={fromFile.upload} loading={fromFile.pending} />
            <Button component={Link} to={paths.newTask} leftSection={<IconPlus size={16} />}>
              New task
            </Button>
          </>
        }
      />
      {fromFile.problem && <TaskFileProblem file={fromFile.problem.file} message={fromFile.problem.message} onClose={fromFile.dismiss} />}
      <Paper withBorder p="md" shadow="xs">
        <SegmentedControl
          mb="md"
          size="xs"
          value={filter}
          onChange={(v) => setFilter(v as Filter)}
          data={FILTERS}
          aria-label="Show tasks by status"
          style={{ maxWidth: '100%', flexWrap: 'wrap' }}
        />
        {tasks.isPending ? (
          <Stack gap="xs">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} height={44} />
            ))}
          </Stack>
        ) : tasks.isError ? (
          <ApiErrorAlert error={tasks.error} title="The tasks could not be loaded" />
        ) : rows.length === 0 ? (
          <EmptyState
            py="xl"
            icon={<IconListDetails size={26} />}
            variant="light"
            title={filter === 'all' ? 'No tasks yet' : `No ${TASK_STATUS[filter].label.toLowerCase()} tasks`}
            description="Create a task from presets or from your own parameter space, or upload a task file."
          >
            <EmptyState.Actions>
              <Button component={Link} to={paths.newTask}>
                Create a task
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        ) : (
          <TasksTable tasks={rows} />
        )}
      </Paper>
    </>
  );
}
