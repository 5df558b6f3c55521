import { Button, FileButton } from '@mantine/core';
import { useRef } from 'react';

/**
 * A button that picks one .json file. The picker is reset after each pick, so picking the same
 * file again (after a refusal, say) is seen.
 */
export function JsonFileButton({
  onFile,
  loading,
  icon,
  children,
}: {
  onFile: (file: File | null) => void;
  loading: boolean;
  icon: React.ReactNode;
  children: React.ReactNode;
}) {
  const resetRef = useRef<() => void>(null);
  return (
    <FileButton
      resetRef={resetRef}
      onChange={(file) => {
        onFile(file);
        resetRef.current?.();
      }}
      accept=".json,application/json"
    >
      {(props) => (
        <Button {...props} variant="default" leftSection={icon} loading={loading}>
          {children}
        </Button>
      )}
    </FileButton>
  );
}
