/**
 * The flags of a stored preset that the newest catalog of its engine no longer has, or has
 * deprecated: presets are checked only when saved, so a catalog update can leave one naming a
 * removed or renamed flag. Computed in the browser from the engine's flag list (fetched once per
 * engine), so that the preset list itself stays as cheap as it is.
 */
import type { NewestCatalog } from '../../runtimes';
import type { ParameterSpace } from '../../../lib/parameterSpace';
import type { Preset } from '../types/preset';

const isGroup = (value: unknown): boolean => !!value && typeof value === 'object' && !Array.isArray(value);

/** The top-level flag names of a space (the leaves of groups are the engine's dotted options, not flags). */
function flagNames(space: ParameterSpace | null | undefined): string[] {
  return Object.entries(space ?? {})
    .filter(([, value]) => !isGroup(value))
    .map(([name]) => name);
}

type EngineFlag = NewestCatalog['flags'][number];
/** Each catalog's flags by every spelling (name and aliases), built once per fetched catalog. */
const indexes = new WeakMap<NewestCatalog, Map<string, EngineFlag>>();

function spellings(catalog: NewestCatalog): Map<string, EngineFlag> {
  let index = indexes.get(catalog);
  if (!index) {
    index = new Map();
    for (const flag of catalog.flags) for (const spelling of [flag.name, ...(flag.aliases ?? [])]) if (!index.has(spelling)) index.set(spelling, flag);
    indexes.set(catalog, index);
  }
  return index;
}

/**
 * One sentence per flag of `preset` (its own parameters, then those it inherits) that `catalog`
 * does not have (naming the new flag when the engine renamed it) or has deprecated. Empty when
 * the catalog lists only the flags worth tuning (it cannot tell a missing flag).
 */
export function outdatedFlags(preset: Pick<Preset, 'parameters' | 'effective_parameters'>, catalog: NewestCatalog): string[] {
  if (!catalog.flags.length) return [];
  const { label, renamed } = catalog.version;
  const bySpelling = spellings(catalog);
  const names = [...new Set([...flagNames(preset.parameters), ...flagNames(preset.effective_parameters)])];
  const out: string[] = [];
  for (const name of names) {
    const flag = bySpelling.get(name);
    if (!flag) {
      const now = renamed[name];
      out.push(now ? `'${name}' is not a flag of ${label}: it was renamed to '${now}'.` : `'${name}' is not a flag of ${label}.`);
    } else if (flag.deprecated) {
      const now = renamed[flag.name] ?? flag.replaced_by;
      out.push(now ? `'${name}' is deprecated in ${label}: use '${now}' instead.` : `'${name}' is deprecated in ${label}.`);
    }
  }
  return out;
}
