/**
 * The analytics and suggestion shapes the service answers (GET /api/presets/{id}/analytics,
 * GET /api/analytics/importance, GET /api/presets/suggest/models, POST /api/presets/suggest),
 * from the generated OpenAPI types.
 */
import type { components, operations } from '../../api/schema';

type Schemas = components['schemas'];

export type PresetAnalytics = Schemas['PresetAnalytics'];
export type ContextStats = Schemas['ContextResult'];
export type TrendPoint = Schemas['TrendPoint'];
export type ComparedPreset = Schemas['ComparedPreset'];
export type Importance = Schemas['ImportanceReport'];
export type MarginalValue = Schemas['ValueStats'];
export type ModelShape = Schemas['ModelShapeRead'];
export type SuggestRequest = Schemas['SuggestRequest'];
export type SuggestReason = Schemas['SuggestReason'];

/** Where the importance comes from: one task, or the tasks of a runtime and/or model. */
export type ImportanceScope = NonNullable<operations['get_importance_api_analytics_importance_get']['parameters']['query']>;

/** The memory model's figures (the schema leaves the object open: these are the ones it always has). */
export interface SuggestionFigures {
  weights_gb: number;
  kv_bytes_per_token: number;
  kv_cache_gb: number;
  kv_tokens: number;
  tp_size: number;
  [more: string]: unknown;
}

export type Suggestion = Omit<Schemas['Suggestion'], 'figures'> & { figures: SuggestionFigures };
