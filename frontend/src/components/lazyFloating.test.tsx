import { MantineProvider } from '@mantine/core';
import { render as rtlRender, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState, type ReactElement, type ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { LazyPopover, LazySelect, LazyTooltip } from './lazyFloating';

const render = (ui: ReactElement) =>
  rtlRender(ui, { wrapper: ({ children }: { children: ReactNode }) => <MantineProvider env="test">{children}</MantineProvider> });

describe('LazyTooltip', () => {
  it('shows nothing before a hover, shows its label while hovered, and keeps the element under the pointer', async () => {
    const onClick = vi.fn();
    render(
      <LazyTooltip label="Edit it">
        <button type="button" onClick={onClick}>
          Edit
        </button>
      </LazyTooltip>,
    );
    const button = screen.getByRole('button', { name: 'Edit' });
    expect(screen.queryByText('Edit it')).toBeNull();
    const user = userEvent.setup();
    // A click right after the first hover reaches the same element.
    await user.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button', { name: 'Edit' })).toBe(button);
    expect(await screen.findByText('Edit it')).toBeInTheDocument();
    await user.unhover(button);
    await waitFor(() => expect(screen.queryByText('Edit it')).toBeNull());
  });

  it('hides a shown tooltip on Escape', async () => {
    render(
      <LazyTooltip label="Edit it">
        <button type="button">Edit</button>
      </LazyTooltip>,
    );
    const user = userEvent.setup();
    await user.hover(screen.getByRole('button', { name: 'Edit' }));
    expect(await screen.findByText('Edit it')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByText('Edit it')).toBeNull());
  });
});

describe('LazyPopover', () => {
  it('opens on the first click of its target, and closes and reopens on the next clicks', async () => {
    render(
      <LazyPopover target={<button type="button">More</button>} dropdownProps={{ 'data-testid': 'more' }}>
        The details
      </LazyPopover>,
    );
    expect(screen.queryByText('The details')).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'More' }));
    expect(await screen.findByTestId('more')).toHaveTextContent('The details');
    expect(screen.getByRole('button', { name: 'More' })).toHaveFocus();
    await user.click(screen.getByRole('button', { name: 'More' }));
    await waitFor(() => expect(screen.queryByText('The details')).toBeNull());
    await user.click(screen.getByRole('button', { name: 'More' }));
    expect(await screen.findByText('The details')).toBeInTheDocument();
  });
});

const DATA = [
  { value: 'memory', label: 'Memory' },
  { value: 'latency', label: 'Latency' },
];

function Filter({ onChange }: { onChange: (v: string | null) => void }) {
  const [value, setValue] = useState<string | null>(null);
  return (
    <LazySelect
      aria-label="Category"
      placeholder="All categories"
      data={DATA}
      value={value}
      clearable
      onChange={(v) => {
        setValue(v);
        onChange(v);
      }}
    />
  );
}

describe('LazySelect', () => {
  it('is a closed select with its placeholder until clicked; the click opens the real one, whose choice is reported', async () => {
    const onChange = vi.fn();
    render(<Filter onChange={onChange} />);
    const closed = screen.getByRole('combobox', { name: 'Category' });
    expect(closed).toHaveAttribute('placeholder', 'All categories');
    expect(closed).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('option')).toBeNull();
    const user = userEvent.setup();
    await user.click(closed);
    await user.click(await screen.findByRole('option', { name: 'Latency' }));
    expect(onChange).toHaveBeenCalledWith('latency');
    expect(screen.getByRole('combobox', { name: 'Category' })).toHaveValue('Latency');
  });

  it('opens from the keyboard, focused, and a key picks an option', async () => {
    const onChange = vi.fn();
    render(<Filter onChange={onChange} />);
    const user = userEvent.setup();
    await user.tab();
    expect(screen.getByRole('combobox', { name: 'Category' })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(await screen.findByRole('option', { name: 'Memory' })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Category' })).toHaveFocus();
    await user.keyboard('{ArrowDown}{Enter}');
    await waitFor(() => expect(onChange).toHaveBeenCalled());
  });

  it('shows the label of a value it starts with', () => {
    render(<LazySelect aria-label="Owner" data={DATA} value="memory" onChange={() => undefined} />);
    expect(screen.getByRole('combobox', { name: 'Owner' })).toHaveValue('Memory');
  });
});
