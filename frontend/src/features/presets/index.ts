/** The presets feature: what pages and other features may use of it (nothing else is public). */
export {
  presetKeys,
  useInvalidatePresets,
  usePresetMerge,
  useCopyPreset,
  useCreatePreset,
  usePresets,
  useSharePreset,
} from './api/presetService';
export { BASE_CATEGORIES, categoryLabel } from './categories';
export { ImportPresetButton, ImportRefusalAlert } from './components/ImportPreset';
// Loaded when first opened (dialogs.ts).
export { DeletePresetDialog, PresetFormModal, PresetHistoryDrawer } from './dialogs';
export { PresetSelector } from './components/PresetSelector';
export { PresetsTable } from './components/PresetsTable';
export { usePresetImport } from './hooks/usePresetImport';
export type { PresetFormMode } from './hooks/usePresetForm';
export type { MergeResult, Preset, Resolutions } from './types/preset';
