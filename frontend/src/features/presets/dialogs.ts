/**
 * The Presets page's dialogs and drawer, loaded when first opened (see components/LazyDialog):
 * the form (with the parameter editor and the effective-parameters preview), the history drawer
 * and the delete confirmation are not part of the page's first paint.
 */
import { lazyDialog } from '../../components/LazyDialog';

export const PresetFormModal = lazyDialog(() => import('./components/PresetFormModal'), 'PresetFormModal', (p) => p.mode !== null);
export const PresetHistoryDrawer = lazyDialog(() => import('./components/PresetHistoryDrawer'), 'PresetHistoryDrawer', (p) => p.preset !== null);
export const DeletePresetDialog = lazyDialog(() => import('./components/DeletePresetDialog'), 'DeletePresetDialog', (p) => p.preset !== null);
