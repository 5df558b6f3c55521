import { describe, expect, it } from 'vitest';
import { makePreset } from '../../../test/presetFixtures';
import type { Preset } from '../types/preset';
import { effectiveValues, extendersOf } from './effective';

function preset(id: number, name: string, parameters: Preset['parameters'], more: Partial<Preset> = {}): Preset {
  return makePreset(id, name, { parameters, ...more });
}

const ref = (p: Preset) => ({ id: p.id, name: p.name, slug: p.slug });

describe('effectiveValues', () => {
  const a = preset(1, 'A', { 'tp-size': [1, 2], 'mem-fraction-static': [0.8], speculative: { 'num-steps': [1], topk: [2] } });
  const b = preset(2, 'B', { 'tp-size': [4], speculative: { topk: [8] } });

  it('merges the bases in order, deep, then its own values on top, naming the preset of each value', () => {
    const values = effectiveValues([a, b], { 'mem-fraction-static': [0.9] }, { id: 9, name: 'C', slug: 'c' });
    expect(values.map((v) => [v.name, v.values, v.source?.name])).toEqual([
      ['tp-size', [4], 'B'],
      ['mem-fraction-static', [0.9], 'C'],
      ['speculative/num-steps', [1], 'A'],
      ['speculative/topk', [8], 'B'],
    ]);
  });

  it('keeps the source a base reports for a value it got from its own base', () => {
    // B extends A: B's effective tp-size came from A.
    const bExtendsA = preset(2, 'B', { topk: [8] }, {
      extends: [ref(a)],
      effective_parameters: { 'tp-size': [1, 2], topk: [8] },
      effective_sources: [
        { parameter: 'tp-size', path: ['tp-size'], ...ref(a) },
        { parameter: 'topk', path: ['topk'], id: 2, name: 'B', slug: 'b' },
      ],
    });
    const values = effectiveValues([bExtendsA], {}, null);
    expect(values.map((v) => [v.name, v.source?.name])).toEqual([
      ['tp-size', 'A'],
      ['topk', 'B'],
    ]);
  });

  it('marks the values of an unsaved preset as its own (no source yet)', () => {
    const values = effectiveValues([a], { 'tp-size': [8] }, null);
    expect(values.find((v) => v.name === 'tp-size')).toEqual({ name: 'tp-size', values: [8], source: null });
  });

  it('lets a value replace a group and drops the group\'s sources', () => {
    const values = effectiveValues([a], { speculative: [false] }, null);
    expect(values.map((v) => v.name)).toEqual(['tp-size', 'mem-fraction-static', 'speculative']);
  });
});

describe('extendersOf', () => {
  it('names the presets that extend it directly', () => {
    const base = preset(1, 'Base', { 'tp-size': [1] });
    const all = [
      base,
      preset(2, 'Child', {}, { extends: [ref(base)] }),
      preset(3, 'Other', {}),
      preset(4, 'Second child', {}, { extends: [{ id: 3, name: 'Other', slug: 'other' }, ref(base)] }),
    ];
    expect(extendersOf(base, all)).toEqual(['Child', 'Second child']);
    expect(extendersOf(all[2], all)).toEqual(['Second child']);
    expect(extendersOf(all[1], all)).toEqual([]);
  });
});
