import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { NewTaskForm } from '../../hooks/useNewTaskForm';

/** Asks before a new merge replaces the user's fine-tuning. */
export function DiscardEditsDialog({ form }: { form: NewTaskForm }) {
  return (
    <Modal opened={!!form.pendingChange} onClose={form.keepEdits} title={<Text fw={650}>Discard your fine-tuning?</Text>} centered>
      <Stack>
        <Text size="sm">
          You edited the merged parameters. Changing the presets or the merge strategy merges them again and replaces your edits.
        </Text>
        <Group justify="flex-end" wrap="wrap">
          <Button variant="default" onClick={form.keepEdits}>
            Keep my edits
          </Button>
          <Button color="orange" onClick={form.confirmChange}>
            Discard edits and re-merge
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
