/**
 * A preset's effective parameters as the form shows them before saving: its bases' effective
 * parameters deep-merged in order, then its own on top, with the preset that gave each value.
 * The server computes the same on save (presets.service); this is only the live preview.
 */
import { GROUP_SEPARATOR, leaves, type ParameterSpace, type Scalar } from '../../../lib/parameterSpace';
import type { Preset, PresetRef } from '../types/preset';

export interface EffectiveValue {
  /** The leaf's editor name ("tp-size", "speculative/num-steps"). */
  name: string;
  values: Scalar[];
  /** The preset that gave it (null: the preset being edited, not saved yet). */
  source: PresetRef | null;
}

const isGroup = (value: unknown): value is ParameterSpace => !!value && typeof value === 'object' && !Array.isArray(value);

function deepInto(target: ParameterSpace, space: ParameterSpace): ParameterSpace {
  for (const [key, value] of Object.entries(space)) {
    const current = target[key];
    target[key] = isGroup(value) && isGroup(current) ? deepInto({ ...current }, value) : value;
  }
  return target;
}

/** Where each of a base's own effective values came from, by editor name. */
function sourcesOf(base: Preset): Map<string, PresetRef> {
  const out = new Map<string, PresetRef>();
  for (const s of base.effective_sources ?? []) out.set(s.path.join(GROUP_SEPARATOR), { id: s.id, name: s.name, slug: s.slug });
  return out;
}

/** The effective values of `own` on top of `bases` (in merge order), each with its source. */
export function effectiveValues(bases: Preset[], own: ParameterSpace, self: PresetRef | null): EffectiveValue[] {
  let space: ParameterSpace = {};
  const source = new Map<string, PresetRef | null>();
  const apply = (layer: ParameterSpace, from: (name: string) => PresetRef | null) => {
    space = deepInto({ ...space }, layer);
    const names = new Set(leaves(space).map(([name]) => name));
    for (const name of [...source.keys()]) if (!names.has(name)) source.delete(name);
    for (const [name] of leaves(layer)) source.set(name, from(name));
  };
  for (const base of bases) {
    const given = sourcesOf(base);
    const ref = { id: base.id, name: base.name, slug: base.slug };
    apply(base.effective_parameters ?? base.parameters, (name) => given.get(name) ?? ref);
  }
  apply(own, () => self);
  return leaves(space).map(([name, values]) => ({ name, values, source: source.get(name) ?? null }));
}

/** The presets that extend `preset` directly, by name (from the list the page already has). */
export function extendersOf(preset: Preset, all: Preset[]): string[] {
  return all.filter((p) => (p.extends ?? []).some((ref) => ref.id === preset.id)).map((p) => p.name);
}
