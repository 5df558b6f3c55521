/**
 * "Import task file": upload a task file of the reference autotuner (novitalabs/inference-autotuner)
 * or one of this product's own tasks; POST /api/tasks/import converts and creates it, and the
 * report it answers with (every field of the file and what became of it) is shown before the new
 * task is opened. A refusal shows the server's sentence once.
 */
import { Badge, Button, Group, Modal, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconFileImport } from '@tabler/icons-react';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../../api/client';
import { JsonFileButton } from '../../../components/JsonFileButton';
import { paths } from '../../../routes';
import { taskKeys, taskService } from '../api/taskService';
import type { TaskImported } from '../types/task';
import { readTaskFile, TaskFileProblem } from './CreateTaskFromFile';

type ImportLine = TaskImported['report'][number];

const OUTCOME: Record<ImportLine['outcome'], { label: string; color: string }> = {
  mapped: { label: 'mapped', color: 'teal' },
  converted: { label: 'converted', color: 'indigo' },
  defaulted: { label: 'default', color: 'gray' },
  not_supported: { label: 'not supported', color: 'orange' },
  dropped: { label: 'dropped', color: 'gray' },
};

/** The report of one import: a row per field of the file. */
export function ImportReport({ report }: { report: ImportLine[] }) {
  return (
    <Table withRowBorders verticalSpacing={4} aria-label="What became of each field" data-testid="import-report">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="28%">Field of the file</Table.Th>
          <Table.Th w={130}>Outcome</Table.Th>
          <Table.Th>What became of it</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {report.map((line, i) => (
          <Table.Tr key={`${line.field}-${i}`} data-testid="import-report-line" data-outcome={line.outcome}>
            <Table.Td>
              <Text ff="monospace" size="xs" className="wrap-anywhere">
                {line.field}
              </Text>
            </Table.Td>
            <Table.Td>
              <Badge size="sm" variant="light" tt="none" color={OUTCOME[line.outcome].color}>
                {OUTCOME[line.outcome].label}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Text size="xs" className="wrap-anywhere">
                {line.detail}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The button, its error and its report dialog: self-contained, for the Tasks page's header. */
export function ImportTaskFile() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<{ file: string; message: string } | null>(null);
  const [done, setDone] = useState<{ file: string; result: TaskImported } | null>(null);
  const mutation = useMutation({
    mutationFn: taskService.importFile,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: taskKeys.lists() }),
  });

  const upload = async (file: File | null) => {
    if (!file) return;
    setProblem(null);
    const read = await readTaskFile(file);
    if ('problem' in read) return setProblem({ file: file.name, message: read.problem });
    mutation.mutate(read.body, {
      onSuccess: (result) => setDone({ file: file.name, result }),
      onError: (error) => setProblem({ file: file.name, message: errorMessage(error) }),
    });
  };

  const task = done?.result.task;
  const unsupported = done?.result.report.filter((l) => l.outcome === 'not_supported').length ?? 0;
  return (
    <>
      <JsonFileButton onFile={upload} loading={mutation.isPending} icon={<IconFileImport size={16} />}>
        Import task file
      </JsonFileButton>
      <Modal opened={problem !== null} onClose={() => setProblem(null)} size="lg" title="Import task file">
        {problem && <TaskFileProblem file={problem.file} message={problem.message} onClose={() => setProblem(null)} />}
      </Modal>
      <Modal
        opened={done !== null}
        onClose={() => setDone(null)}
        size="xl"
        title={task ? `Imported “${task.task_name}” from ${done?.file}` : ''}
      >
        {done && task && (
          <>
            <Text size="sm" mb="sm">
              {done.result.format === 'reference' ? "Read as the reference autotuner's format" : "Read as this product's task format"}:{' '}
              {done.result.report.length} fields, {unsupported} not supported here. The task has {task.combinations} combination
              {task.combinations === 1 ? '' : 's'}.
            </Text>
            <ImportReport report={done.result.report} />
            <Group justify="flex-end" mt="md">
              <Button variant="default" onClick={() => setDone(null)}>
                Close
              </Button>
              <Button onClick={() => navigate(paths.task(task.id))}>Open task</Button>
            </Group>
          </>
        )}
      </Modal>
    </>
  );
}
