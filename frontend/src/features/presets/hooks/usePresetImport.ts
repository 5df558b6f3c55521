/**
 * Importing a preset file, with the choice the server needs when a name is taken. One place
 * shows a refusal (the page's alert, not also a toast), and a later success clears it.
 */
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { ApiError } from '../../../api/client';
import type { OnConflict } from '../../../api/enums';
import { useImportPreset } from '../api/presetService';
import type { ImportResult } from '../types/preset';

export interface ImportRefusal {
  file: File;
  error: unknown;
  /** A name in the file is taken: the user may choose what to do (keep both, replace, skip). */
  nameTaken: boolean;
}

export function importSummary(result: ImportResult): string {
  const renamed = Object.entries(result.renamed ?? {});
  const imported = result.imported.map((p) => {
    const from = renamed.find(([, to]) => to === p.name)?.[0];
    return from ? `“${p.name}” (a copy of “${from}”)` : `“${p.name}”`;
  });
  const skipped = result.skipped ?? [];
  if (imported.length && skipped.length) return `Imported ${imported.join(', ')}; skipped ${skipped.map((n) => `“${n}”`).join(', ')}.`;
  if (imported.length) return `Imported ${imported.join(', ')}.`;
  return `Nothing imported: skipped ${skipped.map((n) => `“${n}”`).join(', ')}, kept as it was.`;
}

export function usePresetImport() {
  const importer = useImportPreset();
  const [refusal, setRefusal] = useState<ImportRefusal | null>(null);

  const run = (file: File | null, onConflict: OnConflict = 'error') => {
    if (!file) return;
    importer.mutate(
      { file, onConflict },
      {
        onSuccess: (result) => {
          setRefusal(null);
          notifications.show({ color: 'teal', title: 'Import finished', message: importSummary(result) });
        },
        onError: (error) =>
          setRefusal((previous) => ({
            file,
            error,
            // A refused "replace" (a system preset) keeps the choice open.
            nameTaken: (error instanceof ApiError && error.status === 409) || (onConflict !== 'error' && !!previous?.nameTaken),
          })),
      },
    );
  };

  return {
    refusal,
    pending: importer.isPending,
    /** Imports a file the user picked (a taken name is refused, then offered as a choice). */
    importFile: (file: File | null) => run(file),
    /** Imports the refused file again with the user's choice for taken names. */
    resolve: (onConflict: Exclude<OnConflict, 'error'>) => refusal && run(refusal.file, onConflict),
    dismiss: () => setRefusal(null),
  };
}
