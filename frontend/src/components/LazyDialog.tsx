/**
 * Dialogs and drawers loaded on demand: their code is fetched the first time one opens, not with
 * the page that offers them (the page's first paint needs only its table).
 */
import { Center, Loader, Overlay } from '@mantine/core';
import { lazy, Suspense, useState, type ComponentProps, type ComponentType } from 'react';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any dialog's props; the wrapper takes them from the module's export
type AnyComponent = ComponentType<any>;

/** What a dialog shows while its code loads: a dimmed page with a spinner. */
export function DialogLoading() {
  return (
    <Overlay fixed backgroundOpacity={0.15} zIndex={300} data-testid="dialog-loading">
      <Center h="100%">
        <Loader size="sm" aria-label="Loading the dialog" />
      </Center>
    </Overlay>
  );
}

/**
 * `lazyDialog(() => import('./DeleteDialog'), 'DeleteDialog', (p) => p.preset !== null)` is a
 * component with the same props that renders nothing while closed and has never been opened; the
 * first time `isOpen(props)` holds it loads the module and renders its named export. Once loaded it
 * stays mounted, so it animates closed and opens at once the next time.
 */
export function lazyDialog<M extends Record<K, AnyComponent>, K extends keyof M & string>(
  load: () => Promise<M>,
  name: K,
  isOpen: (props: ComponentProps<M[K]>) => boolean,
) {
  type P = ComponentProps<M[K]>;
  const Dialog = lazy(() => load().then((m) => ({ default: m[name] as ComponentType<P> })));
  function LazyDialog(props: P) {
    const open = isOpen(props);
    const [opened, setOpened] = useState(open);
    if (open && !opened) setOpened(true);
    if (!open && !opened) return null;
    return (
      <Suspense fallback={open ? <DialogLoading /> : null}>
        <Dialog {...props} />
      </Suspense>
    );
  }
  LazyDialog.displayName = `Lazy(${name})`;
  return LazyDialog;
}
