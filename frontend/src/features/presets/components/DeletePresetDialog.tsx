import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { errorMessage } from '../../../api/client';
import { useDeletePreset } from '../api/presetService';
import type { Preset } from '../types/preset';

/** Asks before deleting a preset, naming it. */
export function DeletePresetDialog({ preset, onClose }: { preset: Preset | null; onClose: () => void }) {
  const deletion = useDeletePreset();
  const confirm = () => {
    if (!preset) return;
    deletion.mutate(preset, {
      onSuccess: () => notifications.show({ color: 'teal', title: 'Preset deleted', message: `“${preset.name}” was deleted.` }),
      onError: (error) => notifications.show({ color: 'red', title: 'Not deleted', message: errorMessage(error) }),
      onSettled: onClose,
    });
  };
  return (
    <Modal opened={!!preset} onClose={onClose} title={<Text fw={650}>Delete preset</Text>} centered>
      <Stack>
        <Text size="sm" className="wrap-anywhere">
          Delete the preset <b>“{preset?.name}”</b>? Tasks created from it keep their parameters; the preset itself cannot be
          restored.
        </Text>
        <Group justify="flex-end" wrap="wrap">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" onClick={confirm} loading={deletion.isPending} maw="100%" styles={{ label: { whiteSpace: 'normal', overflowWrap: 'anywhere' }, root: { height: 'auto', minHeight: 36 } }}>
            Delete “{preset?.name}”
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
