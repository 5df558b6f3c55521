/**
 * Pure helpers for parameter spaces on the client: typing chip values, flattening nested groups
 * into editor rows and back, short text forms, combination counts and fine-tune overrides.
 */

export type Scalar = string | number | boolean;
/** Flag name -> array of values, or a nested group of the same shape. */
export interface ParameterSpace {
  [name: string]: Scalar[] | ParameterSpace;
}

/** Separator between a group and its flag in an editor row name ("speculative/num-steps"). */
export const GROUP_SEPARATOR = '/';

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Turns what the user typed into a value: "4" -> 4, "0.9" -> 0.9, "true" -> true,
 * "4bit" -> "4bit". Quotes keep text as text: "\"4\"" -> "4".
 */
export function parseChipValue(raw: string): Scalar {
  const text = raw.trim();
  if (text.length >= 2 && ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'")))) {
    return text.slice(1, -1);
  }
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (NUMBER_RE.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return text;
}

/** The chip text for a value, such that parseChipValue(formatChipValue(v)) equals v. */
export function formatChipValue(value: Scalar): string {
  if (typeof value === 'string') {
    const reparsed = parseChipValue(value);
    return typeof reparsed === 'string' && reparsed === value ? value : `"${value}"`;
  }
  return String(value);
}

export function valueKey(value: Scalar): string {
  return `${typeof value === 'boolean' ? 'b' : typeof value === 'number' ? 'n' : 's'}:${String(value)}`;
}

export function dedupeValues(values: Scalar[]): Scalar[] {
  const seen = new Set<string>();
  const out: Scalar[] = [];
  for (const v of values) {
    const key = valueKey(v);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

export interface ParameterRow {
  /** Stable id for React keys. */
  id: string;
  /** Flag name, with GROUP_SEPARATOR between group levels. */
  name: string;
  values: Scalar[];
}

let rowCounter = 0;
export function newRowId(): string {
  rowCounter += 1;
  return `row-${rowCounter}`;
}

function isGroup(value: unknown): value is ParameterSpace {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Leaves of a space as [path, values], in the space's order. */
export function leaves(space: ParameterSpace | null | undefined, prefix = ''): [string, Scalar[]][] {
  const out: [string, Scalar[]][] = [];
  for (const [key, value] of Object.entries(space ?? {})) {
    const path = prefix ? `${prefix}${GROUP_SEPARATOR}${key}` : key;
    if (isGroup(value)) out.push(...leaves(value, path));
    else if (Array.isArray(value)) out.push([path, value as Scalar[]]);
    else out.push([path, [value as Scalar]]);
  }
  return out;
}

export function spaceToRows(space: ParameterSpace | null | undefined): ParameterRow[] {
  return leaves(space).map(([name, values]) => ({ id: newRowId(), name, values: [...values] }));
}

/** Rows back to a space; rows without a name are dropped, nested names become groups. */
export function rowsToSpace(rows: ParameterRow[]): ParameterSpace {
  const space: ParameterSpace = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (!name) continue;
    const parts = name.split(GROUP_SEPARATOR).map((p) => p.trim()).filter(Boolean);
    let node: ParameterSpace = space;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (!isGroup(next)) node[part] = {};
      node = node[part] as ParameterSpace;
    }
    node[parts[parts.length - 1]] = [...row.values];
  }
  return space;
}

/** Problems the user can fix before sending, keyed by row id. */
export function rowProblems(rows: ParameterRow[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (!name && row.values.length === 0) continue;
    if (!name) problems[row.id] = 'Give this parameter a name, or remove the row.';
    else if (row.values.length === 0) problems[row.id] = `Add at least one value for '${name}'.`;
    else if (seen.has(name)) problems[row.id] = `'${name}' is listed twice; keep one row.`;
    if (name) seen.set(name, row.id);
  }
  return problems;
}

export function formatValues(values: Scalar[]): string {
  return values.map((v) => (typeof v === 'string' ? v : String(v))).join(', ');
}

/** Short one-line form: "tp-size: 2, 4 · mem-fraction-static: 0.9". */
export function summarizeSpace(space: ParameterSpace | null | undefined): string[] {
  return leaves(space).map(([name, values]) => `${name}: ${formatValues(values)}`);
}

export function countCombinations(space: ParameterSpace | null | undefined): number {
  const all = leaves(space);
  if (all.length === 0) return 0;
  return all.reduce((n, [, values]) => n * Math.max(values.length, 1), 1);
}

function sameValues(a: Scalar[], b: Scalar[]): boolean {
  return a.length === b.length && a.every((v, i) => valueKey(v) === valueKey(b[i]));
}

export interface FineTuneDiff {
  /** Parameters the user added or changed, to send as `overrides`. */
  overrides: ParameterSpace;
  /** Names of merged parameters the user removed (overrides cannot express these). */
  removed: string[];
}

/** What the user changed in the editor relative to the merged parameters. */
export function diffAgainstMerged(merged: ParameterSpace, edited: ParameterSpace): FineTuneDiff {
  const mergedLeaves = new Map(leaves(merged));
  const editedLeaves = leaves(edited);
  const changedRows: ParameterRow[] = [];
  for (const [name, values] of editedLeaves) {
    const before = mergedLeaves.get(name);
    if (!before || !sameValues(before, values)) changedRows.push({ id: name, name, values });
  }
  const editedNames = new Set(editedLeaves.map(([name]) => name));
  const removed = [...mergedLeaves.keys()].filter((name) => !editedNames.has(name));
  return { overrides: rowsToSpace(changedRows), removed };
}

/** JSON text with arrays of scalars kept on one line. */
export function compactJson(value: unknown): string {
  const pretty = JSON.stringify(value, null, 2) ?? '';
  return pretty.replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_m, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`);
}
