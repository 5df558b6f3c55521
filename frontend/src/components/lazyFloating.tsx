/**
 * Tooltip, Popover and Select that load Mantine's floating components (and Floating UI under
 * them, see `floating.tsx`) the first time the user needs one: a tooltip when its element is first
 * hovered, a popover when its target is first clicked, a select when it is first clicked or opened
 * from the keyboard. Until then each renders only its element (a select: a read-only input drawn
 * as the closed Select is), so a page's first paint does not wait for Floating UI. The module is
 * fetched once, from the first hover or focus of any of them; a popover's target and a select's
 * input are mounted anew when the real component replaces them (after the click that opens it).
 */
import { ComboboxChevron, InputBase, type SelectProps, type TooltipProps } from '@mantine/core';
import { useMergedRef } from '@mantine/hooks';
import {
  cloneElement,
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type ReactElement,
  type Ref,
} from 'react';
import type { PopoverWithProps } from './floating';

let loading: Promise<typeof import('./floating')> | null = null;
/** Fetches the floating components' module (once). */
export function loadFloating() {
  loading ??= import('./floating');
  return loading;
}

const RealTooltip = lazy(() => loadFloating().then((m) => ({ default: m.Tooltip })));
const RealPopover = lazy(() => loadFloating().then((m) => ({ default: m.PopoverWith })));
const RealSelect = lazy(() => loadFloating().then((m) => ({ default: m.StringSelect })));

interface HoverableProps {
  onMouseEnter?: (event: MouseEvent<HTMLElement>) => void;
  onMouseLeave?: (event: MouseEvent<HTMLElement>) => void;
  ref?: Ref<HTMLElement>;
}

export interface LazyTooltipProps extends Omit<TooltipProps, 'children' | 'target' | 'opened' | 'defaultOpened'> {
  /** The element the tooltip is about (one element that takes mouse handlers and a ref). */
  children: ReactElement<HoverableProps>;
}

/**
 * Mantine's Tooltip (shown while its element is hovered), loaded when the element is first
 * hovered. The element itself is never replaced (a click right after the first hover, or a tap,
 * reaches it): the tooltip is drawn beside it, anchored to it (Tooltip's `target`), open while
 * the pointer is over it.
 */
export function LazyTooltip({ children, ...props }: LazyTooltipProps) {
  // null: never hovered (no tooltip yet); then whether the pointer is over the element.
  const [hovered, setHovered] = useState<boolean | null>(null);
  const anchor = useRef<HTMLElement>(null);
  const ref = useMergedRef(anchor, children.props.ref);
  const element = cloneElement(children, {
    ref,
    onMouseEnter: (event: MouseEvent<HTMLElement>) => {
      children.props.onMouseEnter?.(event);
      void loadFloating();
      setHovered(true);
    },
    onMouseLeave: (event: MouseEvent<HTMLElement>) => {
      children.props.onMouseLeave?.(event);
      setHovered(false);
    },
  });
  // Escape hides a shown tooltip, as Mantine's own does (hover content must be dismissible).
  useEffect(() => {
    if (!hovered) return undefined;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') setHovered(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [hovered]);
  return (
    <>
      {element}
      {hovered !== null && (
        <Suspense fallback={null}>
          <RealTooltip {...props} target={anchor} opened={hovered} />
        </Suspense>
      )}
    </>
  );
}

interface ClickableProps {
  onClick?: (event: MouseEvent<HTMLElement>) => void;
  onMouseEnter?: (event: MouseEvent<HTMLElement>) => void;
  onFocus?: (event: FocusEvent<HTMLElement>) => void;
  ref?: (el: HTMLElement | null) => void;
}

export interface LazyPopoverProps extends Omit<PopoverWithProps, 'target'> {
  /** What opens it on click (one element that takes a click handler and a ref). */
  target: ReactElement<ClickableProps>;
}

/** Mantine's Popover (opened by a click on its target), loaded when the target is first clicked. */
export function LazyPopover({ target, ...props }: LazyPopoverProps) {
  const [clicked, setClicked] = useState(false);
  // Whether the target had the focus when clicked: the new target takes it back when it mounts.
  const [refocus, setRefocus] = useState(false);
  const focusOnMount = useCallback((el: HTMLElement | null) => {
    if (el && refocus) el.focus();
  }, [refocus]);
  if (!clicked) {
    return cloneElement(target, {
      onMouseEnter: (event: MouseEvent<HTMLElement>) => {
        target.props.onMouseEnter?.(event);
        void loadFloating();
      },
      onFocus: (event: FocusEvent<HTMLElement>) => {
        target.props.onFocus?.(event);
        void loadFloating();
      },
      onClick: (event: MouseEvent<HTMLElement>) => {
        target.props.onClick?.(event);
        setRefocus(document.activeElement === event.currentTarget);
        setClicked(true);
      },
    });
  }
  return (
    <Suspense fallback={target}>
      <RealPopover {...props} defaultOpened target={cloneElement(target, { ref: focusOnMount })} />
    </Suspense>
  );
}

/** An option of a LazySelect. */
export interface LazySelectOption {
  value: string;
  label: string;
}

export interface LazySelectProps extends Omit<SelectProps, 'data'> {
  data: LazySelectOption[];
}

/** The keys that open a closed Select from the keyboard. */
const OPENING_KEYS = new Set(['ArrowDown', 'ArrowUp', 'Enter', ' ']);

/**
 * Mantine's Select, loaded when it is first clicked or opened from the keyboard; until then a
 * read-only input drawn as the closed Select is (its value's label or placeholder, the chevron).
 */
export function LazySelect(props: LazySelectProps) {
  // null: never opened; then whether the real Select opens with its dropdown shown.
  const [opened, setOpened] = useState<boolean | null>(null);
  const { data, value, defaultValue, placeholder, w, size, disabled, style, className } = props;
  const current = value !== undefined ? value : defaultValue;
  const label = data.find((o) => o.value === current)?.label ?? '';
  const closed = (
    <InputBase
      component="input"
      readOnly
      pointer
      role="combobox"
      aria-haspopup="listbox"
      aria-expanded={false}
      aria-label={props['aria-label']}
      value={label}
      placeholder={placeholder}
      w={w}
      size={size}
      disabled={disabled}
      style={style}
      className={className}
      rightSection={<ComboboxChevron size={size} />}
      rightSectionPointerEvents="none"
      onMouseEnter={() => void loadFloating()}
      onFocus={() => void loadFloating()}
      onClick={() => setOpened(true)}
      onKeyDown={(event: KeyboardEvent<HTMLInputElement>) => {
        if (!OPENING_KEYS.has(event.key)) return;
        event.preventDefault();
        setOpened(true);
      }}
    />
  );
  if (opened === null) return closed;
  return (
    <Suspense fallback={closed}>
      <RealSelect {...props} defaultDropdownOpened={opened} autoFocus />
    </Suspense>
  );
}
