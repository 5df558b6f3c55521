/**
 * "From a task file": upload a .json in the product's task format (as in examples/); its
 * content goes to POST /api/tasks/ as it is. A refusal shows the server's sentence once; a new
 * task opens its page.
 */
import { Alert, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFileUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../../api/client';
import { JsonFileButton } from '../../../components/JsonFileButton';
import { paths } from '../../../routes';
import { useCreateTask } from '../api/taskService';

/** The file's content as a task body, or a sentence saying why it is not one. */
export async function readTaskFile(file: File): Promise<{ body: Record<string, unknown> } | { problem: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch {
    return { problem: `“${file.name}” is not JSON: a task file is a JSON object like examples/toy_task.json.` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { problem: `“${file.name}” holds no JSON object: a task file is one object like examples/toy_task.json.` };
  }
  return { body: parsed as Record<string, unknown> };
}

export function useCreateTaskFromFile() {
  const create = useCreateTask();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<{ file: string; message: string } | null>(null);

  const upload = async (file: File | null) => {
    if (!file) return;
    setProblem(null);
    create.reset();
    const read = await readTaskFile(file);
    if ('problem' in read) return setProblem({ file: file.name, message: read.problem });
    create.mutate(read.body, {
      onSuccess: (task) => {
        notifications.show({ color: 'teal', title: 'Task created', message: `“${task.task_name}” was made from ${file.name}.` });
        navigate(paths.task(task.id));
      },
      onError: (error) => setProblem({ file: file.name, message: errorMessage(error) }),
    });
  };

  return { upload, problem, pending: create.isPending, dismiss: () => setProblem(null) };
}

export function TaskFileButton({ onFile, loading }: { onFile: (file: File | null) => void; loading: boolean }) {
  return (
    <JsonFileButton onFile={onFile} loading={loading} icon={<IconFileUpload size={16} />}>
      From a task file
    </JsonFileButton>
  );
}

export function TaskFileProblem({ file, message, onClose }: { file: string; message: string; onClose: () => void }) {
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      mb="md"
      withCloseButton
      onClose={onClose}
      data-testid="task-file-error"
      title={<span className="wrap-anywhere">{`No task was made from “${file}”`}</span>}
    >
      <Text size="sm" className="wrap-anywhere">
        {message}
      </Text>
    </Alert>
  );
}
