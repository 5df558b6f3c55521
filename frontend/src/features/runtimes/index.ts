/** The engine catalog feature: what other features may use of it. */
export {
  useNewestCatalogs,
  useRuntimeParameters,
  runtimeKeys,
  type EngineFlag,
  type NewestCatalog,
  type RuntimeParameter,
  type RuntimeInfo,
  type RuntimeVersion,
} from './api/runtimeService';
