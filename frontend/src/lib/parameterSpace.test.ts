import { describe, expect, it } from 'vitest';
import {
  compactJson,
  countCombinations,
  diffAgainstMerged,
  formatChipValue,
  parseChipValue,
  rowProblems,
  rowsToSpace,
  spaceToRows,
  summarizeSpace,
} from './parameterSpace';

describe('parseChipValue', () => {
  it('keeps numbers as numbers, booleans as booleans and the rest as text', () => {
    expect(parseChipValue('4')).toBe(4);
    expect(parseChipValue('0.85')).toBe(0.85);
    expect(parseChipValue('-2')).toBe(-2);
    expect(parseChipValue('1e3')).toBe(1000);
    expect(parseChipValue('true')).toBe(true);
    expect(parseChipValue('FALSE')).toBe(false);
    expect(parseChipValue('4bit')).toBe('4bit');
    expect(parseChipValue('lpm')).toBe('lpm');
    expect(parseChipValue(' 8 ')).toBe(8);
  });

  it('keeps quoted values as text', () => {
    expect(parseChipValue('"4"')).toBe('4');
    expect(parseChipValue("'true'")).toBe('true');
  });

  it('round-trips through formatChipValue', () => {
    for (const value of [4, 0.9, true, false, '4bit', '4', 'true', 'fcfs']) {
      expect(parseChipValue(formatChipValue(value))).toStrictEqual(value);
    }
    expect(formatChipValue('4')).toBe('"4"');
    expect(formatChipValue('lpm')).toBe('lpm');
  });
});

describe('rows and spaces', () => {
  it('turns nested groups into rows and back', () => {
    const space = { 'tp-size': [1, 2], speculative: { 'num-steps': [3, 5] } };
    const rows = spaceToRows(space);
    expect(rows.map((r) => r.name)).toEqual(['tp-size', 'speculative/num-steps']);
    expect(rowsToSpace(rows)).toEqual(space);
  });

  it('drops rows without a name and reports problems', () => {
    const rows = [
      { id: 'a', name: 'tp-size', values: [1] },
      { id: 'b', name: '', values: [] },
      { id: 'c', name: 'tp-size', values: [2] },
      { id: 'd', name: 'mem-fraction-static', values: [] },
    ];
    expect(Object.keys(rowsToSpace(rows.slice(0, 2)))).toEqual(['tp-size']);
    const problems = rowProblems(rows);
    expect(problems.b).toBeUndefined();
    expect(problems.c).toMatch(/listed twice/);
    expect(problems.d).toMatch(/at least one value/);
  });

  it('counts combinations and summarizes', () => {
    expect(countCombinations({ 'tp-size': [1, 2, 4], 'mem-fraction-static': [0.7, 0.75, 0.9] })).toBe(9);
    expect(countCombinations({})).toBe(0);
    expect(summarizeSpace({ 'tp-size': [2, 4], 'schedule-policy': ['lpm'] })).toEqual([
      'tp-size: 2, 4',
      'schedule-policy: lpm',
    ]);
  });
});

describe('diffAgainstMerged', () => {
  it('sends only the edited parameters as overrides', () => {
    const merged = { 'tp-size': [1], 'mem-fraction-static': [0.7, 0.75] };
    const edited = { 'tp-size': [2], 'mem-fraction-static': [0.7, 0.75], 'schedule-policy': ['lpm'] };
    expect(diffAgainstMerged(merged, edited)).toEqual({
      overrides: { 'tp-size': [2], 'schedule-policy': ['lpm'] },
      removed: [],
    });
  });

  it('tells which merged parameters were removed', () => {
    expect(diffAgainstMerged({ 'tp-size': [1], x: [true] }, { 'tp-size': [1] }).removed).toEqual(['x']);
  });

  it('treats 1 and true as different values', () => {
    expect(diffAgainstMerged({ a: [1] }, { a: [true] }).overrides).toEqual({ a: [true] });
  });
});

it('compactJson keeps value arrays on one line', () => {
  expect(compactJson({ 'tp-size': [1, 2, 4] })).toBe('{\n  "tp-size": [1, 2, 4]\n}');
});
