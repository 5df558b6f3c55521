/**
 * Stands in for `@floating-ui/react` where Mantine's ScrollArea imports it (see vite.config.ts):
 * ScrollArea needs only `useMergeRefs`, and importing that from Floating UI put all of Floating UI
 * (about 13 kB gzipped) in every page's first load, because the Table imports ScrollArea. Mantine's
 * own `useMergedRef` does the same: every ref gets the node, and a callback ref's cleanup runs.
 */
import { useMergedRef } from '@mantine/hooks';
import type { Ref } from 'react';

export function useMergeRefs<T>(refs: Array<Ref<T> | undefined>) {
  return useMergedRef<T>(...refs);
}
