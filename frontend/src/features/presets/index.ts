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
export { DeletePresetDialog } from './components/DeletePresetDialog';
export { ImportPresetButton, ImportRefusalAlert } from './components/ImportPreset';
export { PresetFormModal } from './components/PresetFormModal';
export { PresetHistoryDrawer } from './components/PresetHistoryDrawer';
export { PresetSelector } from './components/PresetSelector';
export { PresetsTable } from './components/PresetsTable';
export { usePresetImport } from './hooks/usePresetImport';
export type { PresetFormMode } from './hooks/usePresetForm';
export type { MergeResult, Preset, Resolutions } from './types/preset';
