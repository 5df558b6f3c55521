import { describe, expect, it } from 'vitest';
import type { EngineFlag, NewestCatalog } from '../../runtimes';
import { outdatedFlags } from './outdated';

function flag(name: string, more: Partial<EngineFlag> = {}): EngineFlag {
  return { name, type: 'int', aliases: [], switch: false, multiple: false, deprecated: false, help: '', tuned: false, ...more };
}

const SGLANG: NewestCatalog = {
  version: {
    version: '0.5.23',
    label: 'SGLang 0.5.23',
    package: 'sglang-0.5.23-py3-none-any.whl',
    sha256: 'x',
    source: 'wheel',
    flag_count: 2,
    engine_flag_count: 4,
    renamed: { 'cuda-graph-max-bs': 'cuda-graph-max-bs-decode' },
  },
  flags: [
    flag('tp-size', { aliases: ['tensor-parallel-size'] }),
    flag('cuda-graph-max-bs-decode'),
    flag('schedule-policy', { type: 'str' }),
    flag('enable-dp-attention', { type: 'bool', deprecated: true, replaced_by: 'dp-attention' }),
    flag('disable-radix', { type: 'bool', deprecated: true }),
  ],
};

const space = (parameters: Record<string, unknown>, effective?: Record<string, unknown>) =>
  ({ parameters, effective_parameters: effective ?? parameters }) as Parameters<typeof outdatedFlags>[0];

describe('outdatedFlags', () => {
  it('names a renamed flag and the flag that replaced it', () => {
    expect(outdatedFlags(space({ 'tp-size': [1, 2], 'cuda-graph-max-bs': [160] }), SGLANG)).toEqual([
      "'cuda-graph-max-bs' is not a flag of SGLang 0.5.23: it was renamed to 'cuda-graph-max-bs-decode'.",
    ]);
  });

  it('names a removed flag, and a deprecated one with its replacement when there is one', () => {
    expect(outdatedFlags(space({ 'no-such-flag': [1], 'enable-dp-attention': [true], 'disable-radix': [true] }), SGLANG)).toEqual([
      "'no-such-flag' is not a flag of SGLang 0.5.23.",
      "'enable-dp-attention' is deprecated in SGLang 0.5.23: use 'dp-attention' instead.",
      "'disable-radix' is deprecated in SGLang 0.5.23.",
    ]);
  });

  it('accepts current flags and their aliases, and leaves groups alone', () => {
    expect(outdatedFlags(space({ 'tp-size': [1], 'tensor-parallel-size': [2], speculative: { 'num-steps': [3] } }), SGLANG)).toEqual([]);
  });

  it('checks the inherited (effective) flags too, each name once', () => {
    const preset = space({ 'cuda-graph-max-bs': [8] }, { 'cuda-graph-max-bs': [8], 'old-flag': ['x'] });
    expect(outdatedFlags(preset, SGLANG)).toEqual([
      "'cuda-graph-max-bs' is not a flag of SGLang 0.5.23: it was renamed to 'cuda-graph-max-bs-decode'.",
      "'old-flag' is not a flag of SGLang 0.5.23.",
    ]);
  });

  it('says nothing when the catalog lists no engine flags (it cannot tell a missing one)', () => {
    expect(outdatedFlags(space({ 'cuda-graph-max-bs': [8] }), { ...SGLANG, flags: [] })).toEqual([]);
  });
});
