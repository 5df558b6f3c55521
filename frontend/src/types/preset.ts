/**
 * Preset types used by the UI. The shapes the server sends come from the generated OpenAPI
 * types (src/api/schema.d.ts); this module names them and adds the UI-only ones.
 */
import type { components } from '../api/schema';

type Schemas = components['schemas'];

export type Scalar = string | number | boolean;
/** Flag name -> array of values, or a nested group of the same shape. */
export interface ParameterSpace {
  [name: string]: Scalar[] | ParameterSpace;
}

export type Runtime = 'sglang' | 'vllm' | 'llamacpp';
export type MergeStrategy = 'union' | 'intersection' | 'last_wins';

export interface PresetMetadata {
  author?: string | null;
  tags?: string[] | null;
  recommended_for?: string[] | null;
  [key: string]: unknown;
}

export type Preset = Omit<Schemas['PresetRead'], 'parameters' | 'metadata'> & {
  parameters: ParameterSpace;
  metadata: PresetMetadata | null;
};

export type PresetSaved = Preset & { warnings?: string[] };

export type PresetCreate = Omit<Schemas['PresetCreate'], 'parameters' | 'metadata'> & {
  parameters: ParameterSpace;
  metadata?: PresetMetadata | null;
};

export type PresetUpdate = Partial<PresetCreate>;

export interface PresetFilters {
  category?: string;
  q?: string;
  runtime?: Runtime;
  is_system?: boolean;
}

export type MergeConflict = Schemas['ConflictRead'];

export type MergeRequest = {
  preset_ids: number[];
  merge_strategy: MergeStrategy;
  overrides?: ParameterSpace;
};

export type MergeResult = Omit<Schemas['MergeResponse'], 'parameters'> & {
  parameters: ParameterSpace;
};

export type ImportResult = Omit<Schemas['ImportResult'], 'imported'> & { imported: Preset[] };

export type OnConflict = 'error' | 'rename' | 'skip' | 'overwrite';

/** A flag of the engine catalog (GET /api/runtimes/{runtime}/parameters). */
export type RuntimeParameter = Omit<Schemas['FlagRead'], 'choices'> & { choices?: Scalar[] | null };

export const MERGE_STRATEGIES: { value: MergeStrategy; label: string; explanation: string }[] = [
  {
    value: 'union',
    label: 'Union',
    explanation: 'Combines every value from every preset: the widest search.',
  },
  {
    value: 'intersection',
    label: 'Intersection',
    explanation: 'Keeps only the values all presets share: a conservative search.',
  },
  {
    value: 'last_wins',
    label: 'Last Wins',
    explanation: 'Later presets override earlier ones, parameter by parameter.',
  },
];

export const BASE_CATEGORIES = ['performance', 'memory', 'general', 'custom'];
