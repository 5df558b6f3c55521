/**
 * Reading a task file picked in the browser, and the sentence shown when no task was made from
 * it (used by ImportTaskFile, which sends the file to POST /api/tasks/import).
 */
import { Alert, Text } from '@mantine/core';

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
