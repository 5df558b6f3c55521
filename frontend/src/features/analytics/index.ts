/** The analytics feature: what pages may use of it (presets' record, importance, suggestions). */
export { ComparePanel } from './components/ComparePanel';
export { ImportancePanel } from './components/ImportancePanel';
export { PresetAnalyticsCard } from './components/PresetAnalyticsCard';
export { SuggestForm, SuggestForModelButton } from './components/SuggestForm';
