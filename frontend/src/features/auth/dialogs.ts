/** The sharing dialog, loaded when first opened (see components/LazyDialog): pages that offer it don't carry it. */
import { lazyDialog } from '../../components/LazyDialog';

export const ShareDialog = lazyDialog(() => import('./components/ShareDialog'), 'ShareDialog', (p) => p.object !== null);
