import { MantineProvider } from '@mantine/core';
import { render as rtlRender, screen } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { lazyDialog } from './LazyDialog';

const render = (ui: ReactElement) => rtlRender(ui, { wrapper: ({ children }: { children: ReactNode }) => <MantineProvider>{children}</MantineProvider> });

function Greeting({ who, onClose }: { who: string | null; onClose: () => void }) {
  return who ? (
    <button type="button" onClick={onClose}>
      Hello {who}
    </button>
  ) : (
    <p>closed greeting</p>
  );
}

describe('lazyDialog', () => {
  it('loads nothing until first opened, then stays mounted so it can close and reopen', async () => {
    const load = vi.fn(() => Promise.resolve({ Greeting }));
    const LazyGreeting = lazyDialog(load, 'Greeting', (p) => p.who !== null);
    const onClose = () => undefined;

    const { rerender } = render(<LazyGreeting who={null} onClose={onClose} />);
    expect(load).not.toHaveBeenCalled();
    expect(screen.queryByText(/greeting|Hello/)).toBeNull();

    rerender(<LazyGreeting who="Ada" onClose={onClose} />);
    expect(await screen.findByRole('button', { name: 'Hello Ada' })).toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(1);

    // Closed again: the loaded dialog stays mounted (it renders its own closed state).
    rerender(<LazyGreeting who={null} onClose={onClose} />);
    expect(screen.getByText('closed greeting')).toBeInTheDocument();
    rerender(<LazyGreeting who="Grace" onClose={onClose} />);
    expect(screen.getByRole('button', { name: 'Hello Grace' })).toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('shows a loading overlay while the dialog code is on its way', async () => {
    let resolve: (m: { Greeting: typeof Greeting }) => void = () => undefined;
    const LazyGreeting = lazyDialog(() => new Promise<{ Greeting: typeof Greeting }>((ok) => (resolve = ok)), 'Greeting', (p) => p.who !== null);
    render(<LazyGreeting who="Ada" onClose={() => undefined} />);
    expect(await screen.findByTestId('dialog-loading')).toBeInTheDocument();
    resolve({ Greeting });
    expect(await screen.findByRole('button', { name: 'Hello Ada' })).toBeInTheDocument();
  });
});
