import { describe, expect, it } from 'vitest';
import type { Preset } from '../types/preset';
import { asImportResult } from './presetService';

const preset = { id: 7, name: 'Mine (2)', slug: 'mine-2' } as Preset;

describe('asImportResult', () => {
  it('reads a one-preset answer (the preset itself) as the summary the page shows', () => {
    expect(asImportResult({ ...preset, skipped: false, renamed_from: 'Mine', notes: ['n'] })).toEqual({
      imported: [preset],
      skipped: [],
      renamed: { Mine: 'Mine (2)' },
      notes: ['n'],
    });
    expect(asImportResult({ ...preset, skipped: true, renamed_from: null, notes: [] })).toEqual({
      imported: [],
      skipped: ['Mine (2)'],
      renamed: {},
      notes: [],
    });
  });

  it('passes a bundle summary through', () => {
    const summary = { imported: [preset], skipped: ['x'], renamed: {}, notes: [] };
    expect(asImportResult(summary)).toBe(summary);
  });
});
