/** Presets shaped like the service's answers, for the preset UI's tests. */
import type { Preset } from '../features/presets/types/preset';

const stamp = '2026-11-28T10:00:00Z';

/** A user's public SGLang preset at version 1 that extends nothing; `more` sets any field (the
 * effective parameters follow `parameters` unless given). */
export function makePreset(id: number, name: string, more: Partial<Preset> = {}): Preset {
  const parameters = more.parameters ?? { 'tp-size': [1] };
  return {
    id,
    name,
    slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    description: null,
    category: null,
    runtime: 'sglang',
    is_system: false,
    parameters,
    metadata: null,
    owner: null,
    visibility: 'public',
    team_ids: [],
    version: 1,
    extends: [],
    effective_parameters: parameters,
    effective_sources: [],
    extended_by: 0,
    created_at: stamp,
    updated_at: stamp,
    ...more,
  };
}
