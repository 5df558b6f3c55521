import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../../test/render';
import { makePreset } from '../../../test/presetFixtures';
import type { Preset } from '../types/preset';
import { PresetsTable, VIRTUALISE_FROM } from './PresetsTable';

afterEach(() => vi.restoreAllMocks());

/** `n` presets named "Preset 0001"…, every seventh in the "memory" category. */
function many(n: number): Preset[] {
  return Array.from({ length: n }, (_, i) =>
    makePreset(i + 1, `Preset ${String(i + 1).padStart(4, '0')}`, { category: i % 7 === 0 ? 'memory' : 'performance' }),
  );
}

const rowNames = () => screen.getAllByTestId('preset-row').map((row) => row.getAttribute('data-preset-name'));

describe('PresetsTable: long lists are virtualised', () => {
  it('renders every row of a short list, without spacers', () => {
    renderWithProviders(<PresetsTable presets={many(VIRTUALISE_FROM - 1)} onEdit={vi.fn()} onDuplicate={vi.fn()} onDelete={vi.fn()} />);
    expect(screen.getAllByTestId('preset-row')).toHaveLength(VIRTUALISE_FROM - 1);
    expect(screen.queryByTestId('presets-spacer')).toBeNull();
  });

  it('renders only the rows near the viewport of 5,000, with a spacer standing for the rest', () => {
    renderWithProviders(<PresetsTable presets={many(5000)} onEdit={vi.fn()} onDuplicate={vi.fn()} onDelete={vi.fn()} />);
    const names = rowNames();
    expect(names.length).toBeGreaterThan(0);
    expect(names.length).toBeLessThan(60);
    expect(names[0]).toBe('Preset 0001');
    expect(screen.getByRole('table', { name: 'Presets' })).toHaveAttribute('aria-rowcount', '5001');
    // The rows not rendered keep their place: a spacer of (at least) their estimated height follows.
    const spacer = screen.getByTestId('presets-spacer');
    expect(parseFloat(spacer.style.height)).toBeGreaterThan((5000 - names.length) * 50);
  });

  it('shows the rows further down once the window scrolls there', async () => {
    renderWithProviders(<PresetsTable presets={many(5000)} onEdit={vi.fn()} onDuplicate={vi.fn()} onDelete={vi.fn()} />);
    expect(rowNames()).not.toContain('Preset 2500');
    Object.defineProperty(window, 'scrollY', { value: 2499 * 96, configurable: true });
    fireEvent.scroll(window);
    await waitFor(() => expect(rowNames()).toContain('Preset 2500'));
    expect(rowNames()).not.toContain('Preset 0001');
    expect(screen.getAllByTestId('presets-spacer')).toHaveLength(2);
    Object.defineProperty(window, 'scrollY', { value: 0, configurable: true });
  });
});
