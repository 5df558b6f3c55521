/**
 * Preset types used by the UI. The shapes the server sends come from the generated OpenAPI
 * types (src/api/schema.d.ts); this module names them and types their parameter spaces.
 */
import type { components } from '../../../api/schema';
import type { MergeStrategy, PresetRuntime } from '../../../api/enums';
import type { ParameterSpace } from '../../../lib/parameterSpace';

type Schemas = components['schemas'];

export interface PresetMetadata {
  author?: string | null;
  tags?: string[] | null;
  recommended_for?: string[] | null;
  [key: string]: unknown;
}

export type Preset = Omit<Schemas['PresetRead'], 'parameters' | 'metadata' | 'effective_parameters'> & {
  parameters: ParameterSpace;
  effective_parameters: ParameterSpace;
  metadata: PresetMetadata | null;
};

/** A created or updated preset, with the engine catalog's warnings about its flags. */
export type PresetSaved = Preset & { warnings?: string[] };

export type PresetCreate = Omit<Schemas['PresetCreate'], 'parameters' | 'metadata'> & {
  parameters: ParameterSpace;
  metadata?: PresetMetadata | null;
};

/** Any subset of fields, and why (kept with the new version). */
export type PresetUpdate = Partial<PresetCreate> & { change_note?: string | null };

export interface PresetFilters {
  category?: string;
  q?: string;
  runtime?: PresetRuntime;
  is_system?: boolean;
  /** Only the caller's own presets. */
  mine?: boolean;
  /** Only those shared with this team. */
  team?: number;
  visibility?: 'private' | 'teams' | 'public';
}

export type MergeConflict = Schemas['ConflictRead'];

/** Per parameter (dotted leaf name): a named resolution or the explicit values to keep. */
export type Resolutions = Record<string, string | unknown[]>;

export type MergeRequest = {
  preset_ids: number[];
  merge_strategy: MergeStrategy;
  overrides?: ParameterSpace;
  resolutions?: Resolutions;
};

export type PresetVersionSummary = Schemas['PresetVersionSummary'];
export type PresetVersionPage = Schemas['PresetVersionPage'];
export type PresetVersionRead = Omit<Schemas['PresetVersionRead'], 'parameters' | 'effective_parameters'> & {
  parameters: ParameterSpace;
  effective_parameters: ParameterSpace;
};
export type PresetVersionDiff = Schemas['PresetVersionDiff'];
export type SpaceDiff = Schemas['SpaceDiff'];
/** Which preset gave one effective value (a leaf, by dotted name). */
export type ParameterSource = Schemas['ParameterSource'];
export type PresetRef = Schemas['PresetRef'];

/** The server's merge; `warnings` is not part of it (the server never sets it). */
export type MergeResult = Omit<Schemas['MergeResponse'], 'parameters' | 'warnings' | 'merge_strategy'> & {
  parameters: ParameterSpace;
  merge_strategy: string;
};

export type ImportResult = Omit<Schemas['ImportResult'], 'imported'> & { imported: Preset[] };
