import { Button, EmptyState, Group, Paper, SegmentedControl, Skeleton, Stack } from '@mantine/core';
import { IconListDetails, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { keysOf, TASK_STATUS, type TaskStatus } from '../api/enums';
import { ApiErrorAlert } from '../components/ApiErrorAlert';
import { PageHeader } from '../components/Layout';
import { OwnerFilterSelect, ownerFilterQuery, type OwnerFilter } from '../features/auth';
import { ImportTaskFile, TasksTable, useTasks } from '../features/tasks';
import { paths } from '../routes';

type Filter = 'all' | TaskStatus;
const FILTERS: { value: Filter; label: string }[] = [
  { value: 'all', label: 'All' },
  ...keysOf(TASK_STATUS).map((value) => ({ value, label: TASK_STATUS[value].label })),
];

export function TasksPage() {
  const [filter, setFilter] = useState<Filter>('all');
  const [owner, setOwner] = useState<OwnerFilter>('all');
  const tasks = useTasks({ status: filter === 'all' ? undefined : filter, ...ownerFilterQuery(owner) });
  const rows = tasks.data ?? [];

  return (
    <>
      <PageHeader
        title="Tuning tasks"
        description="Every task, how far its search has got, and where its parameters came from."
        actions={
          <>
            <ImportTaskFile />
            <Button component={Link} to={paths.newTask} leftSection={<IconPlus size={16} />}>
              New task
            </Button>
          </>
        }
      />
      <Paper withBorder p="md" shadow="xs">
        <Group mb="md" gap="sm" wrap="wrap" align="center">
          <SegmentedControl
            size="xs"
            value={filter}
            onChange={(v) => setFilter(v as Filter)}
            data={FILTERS}
            aria-label="Show tasks by status"
            style={{ maxWidth: '100%', flexWrap: 'wrap' }}
          />
          <OwnerFilterSelect label="Filter tasks by owner" value={owner} onChange={setOwner} />
        </Group>
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
            title={owner !== 'all' ? 'No task matches' : filter === 'all' ? 'No tasks yet' : `No ${TASK_STATUS[filter].label.toLowerCase()} tasks`}
            description="Create a task from presets or from your own parameter space, or import a task file (this product's or the reference autotuner's)."
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
