import { describe, expect, it } from 'vitest';
import { presetAnalytics, SUGGESTION } from '../../../test/analyticsFixtures';
import { compareChart, formatBytes, formatRate, formatScore, headToHead, marginalRows, reasonLabel, reasonsByFlag, suggestionSpace } from './analytics';

describe('analytics helpers', () => {
  it('formats scores, rates and bytes for reading, with a dash for none', () => {
    expect(formatScore(2345.6)).toBe('2,346');
    expect(formatScore(0.123456)).toBe('0.123');
    expect(formatScore(-45.678)).toBe('-45.7');
    expect(formatScore(null)).toBe('—');
    expect(formatRate(0.756)).toBe('76%');
    expect(formatRate(null)).toBe('—');
    expect(formatBytes(131072)).toBe('128.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
  });

  it('turns marginals into boxes (q1–q3) and whiskers (min–max)', () => {
    const rows = marginalRows([{ value: true, n: 3, mean: 2, median: 2, min: 1, max: 4, q1: 1.5, q3: 3 }]);
    expect(rows).toEqual([{ label: 'true', n: 3, mean: 2, median: 2, iqr: [1.5, 3], range: [1, 4] }]);
  });

  it('groups the compare chart by context, with null where a preset never ran', () => {
    const a = presetAnalytics();
    const b = presetAnalytics({
      preset_id: 5,
      preset_name: 'low-latency',
      contexts: [{ ...a.contexts[0], best_score: 900 }, { ...a.contexts[0], key: 'c', label: 'llama.cpp · tiny · CPU', best_score: 5 }],
    });
    const chart = compareChart([a, b]);
    expect(chart.series).toEqual(['high-throughput', 'low-latency']);
    expect(chart.rows).toEqual([
      { context: 'sglang · Llama-3-8B · H100', 'high-throughput': 2345.6, 'low-latency': 900 },
      { context: 'vllm · Qwen2.5-7B · A100', 'high-throughput': 1500, 'low-latency': null },
      { context: 'llama.cpp · tiny · CPU', 'high-throughput': null, 'low-latency': 5 },
    ]);
    expect(headToHead(a, [5]).map((c) => c.preset_name)).toEqual(['low-latency']);
    expect(headToHead(a, [9])).toEqual([]);
  });

  it('lists every flag of a suggestion with its values and reasons, labelled by source', () => {
    expect(suggestionSpace(SUGGESTION)).toEqual(SUGGESTION.parameters);
    const rows = reasonsByFlag(SUGGESTION);
    expect(rows.map((r) => r.flag)).toEqual(['tp-size', 'mem-fraction-static', 'max-running-requests']);
    expect(rows[2].values).toEqual([64, 128]);
    expect(reasonLabel(rows[2].reasons[0])).toBe('history · 42 experiments');
    expect(reasonLabel(rows[0].reasons[0])).toBe('memory model');
  });

  it('says a reason given alike for several values once, with those values', () => {
    const same = { flag: 'mem-fraction-static', source: 'memory_model' as const, text: 'Room for the KV cache.', experiments: 0 };
    const rows = reasonsByFlag({
      parameters: { 'mem-fraction-static': [0.8, 0.9] },
      reasons: [
        { ...same, value: 0.8 },
        { ...same, value: 0.9 },
        { ...same, value: 0.9, source: 'history', text: 'Won twice.', experiments: 6 },
      ],
    });
    expect(rows[0].reasons).toEqual([
      { values: [0.8, 0.9], source: 'memory_model', text: 'Room for the KV cache.', experiments: 0 },
      { values: [0.9], source: 'history', text: 'Won twice.', experiments: 6 },
    ]);
  });
});
