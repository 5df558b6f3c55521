/**
 * Mantine's floating components (Tooltip, Popover, Select), which stand on Floating UI: loaded
 * only when one is first needed, through the wrappers of `lazyFloating.tsx`, so that a page's
 * first paint does not wait for them.
 */
import { Popover, Select, Tooltip, type PopoverDropdownProps, type PopoverProps, type SelectProps } from '@mantine/core';
import type { ReactElement, ReactNode } from 'react';

export { Tooltip };

/** Mantine's Select of string values. */
export function StringSelect(props: SelectProps<string>) {
  return <Select {...props} />;
}

export interface PopoverWithProps extends Omit<PopoverProps, 'children'> {
  /** What opens it (one element). */
  target: ReactElement;
  /** Props of the dropdown (e.g. a data-testid). */
  dropdownProps?: PopoverDropdownProps & { 'data-testid'?: string };
  /** The dropdown's content. */
  children: ReactNode;
}

/** A Popover written as one component: its target, its dropdown's props and content. */
export function PopoverWith({ target, dropdownProps, children, ...props }: PopoverWithProps) {
  return (
    <Popover {...props}>
      <Popover.Target>{target}</Popover.Target>
      <Popover.Dropdown {...dropdownProps}>{children}</Popover.Dropdown>
    </Popover>
  );
}
