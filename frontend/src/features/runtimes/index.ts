/** The engine catalog feature: what other features may use of it. */
export { useRuntimeParameters, runtimeKeys, type RuntimeParameter, type RuntimeInfo } from './api/runtimeService';
