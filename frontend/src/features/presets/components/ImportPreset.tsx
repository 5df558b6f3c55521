import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { ApiError, errorMessage } from '../../../api/client';
import { ON_CONFLICT } from '../../../api/enums';
import { JsonFileButton } from '../../../components/JsonFileButton';
import type { ImportRefusal } from '../hooks/usePresetImport';

export function ImportPresetButton({ onFile, loading }: { onFile: (file: File | null) => void; loading: boolean }) {
  return (
    <JsonFileButton onFile={onFile} loading={loading} icon={<IconUpload size={16} />}>
      Import
    </JsonFileButton>
  );
}

const CHOICES = [
  { value: 'rename', button: 'Keep both', words: 'import it as a copy under a new name' },
  { value: 'overwrite', button: 'Replace the existing one', words: 'the file’s preset takes its place' },
  { value: 'skip', button: 'Skip it', words: 'keep the existing preset, import nothing for that name' },
] as const satisfies readonly { value: keyof typeof ON_CONFLICT; button: string; words: string }[];

/** Why a file was not imported, once; when a name is taken, the three ways on in words. */
export function ImportRefusalAlert({
  refusal,
  onChoose,
  onDismiss,
  busy,
}: {
  refusal: ImportRefusal;
  onChoose: (choice: 'rename' | 'overwrite' | 'skip') => void;
  onDismiss: () => void;
  busy: boolean;
}) {
  // The server's 409 speaks of query parameters; the choices below say the same in words.
  const nameTakenNow = refusal.error instanceof ApiError && refusal.error.status === 409;
  return (
    <Alert
      color={refusal.nameTaken ? 'orange' : 'red'}
      variant="light"
      title={<span className="wrap-anywhere">{`“${refusal.file.name}” was not imported`}</span>}
      role="alert"
      mb="md"
      withCloseButton
      onClose={onDismiss}
      data-testid="import-error"
    >
      <Stack gap="xs">
        {nameTakenNow ? (
          <Text size="sm">A preset in this file has the same name as one you already have. What should the import do?</Text>
        ) : (
          <Text size="sm">{errorMessage(refusal.error)}</Text>
        )}
        {refusal.nameTaken && (
          <Stack gap={6}>
            {CHOICES.map((choice) => (
              <Group key={choice.value} gap="sm" wrap="wrap">
                <Button size="xs" variant="light" color="indigo" onClick={() => onChoose(choice.value)} disabled={busy} miw={190}>
                  {choice.button}
                </Button>
                <Text size="sm" c="dimmed" style={{ flex: '1 1 14rem' }}>
                  {choice.words}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>
    </Alert>
  );
}
