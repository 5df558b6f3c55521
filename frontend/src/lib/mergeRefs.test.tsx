import { render } from '@testing-library/react';
import { createRef } from 'react';
import { describe, expect, it } from 'vitest';
import { useMergeRefs } from './mergeRefs';

function Box({ refs }: { refs: Parameters<typeof useMergeRefs<HTMLDivElement>>[0] }) {
  return <div ref={useMergeRefs(refs)}>box</div>;
}

describe('useMergeRefs (ScrollArea’s stand-in for Floating UI’s)', () => {
  it('gives the node to an object ref and a callback ref, runs the callback’s cleanup on unmount', () => {
    const object = createRef<HTMLDivElement>();
    const seen: (HTMLDivElement | null)[] = [];
    let cleaned = 0;
    const callback = (el: HTMLDivElement | null) => {
      seen.push(el);
      return () => {
        cleaned += 1;
      };
    };
    const { unmount, getByText } = render(<Box refs={[object, callback, undefined]} />);
    expect(object.current).toBe(getByText('box'));
    expect(seen).toEqual([getByText('box')]);
    unmount();
    expect(cleaned).toBe(1);
    expect(object.current).toBeNull();
  });
});
