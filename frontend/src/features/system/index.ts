/** The system feature: the service's status and its GPU / slot pool. */
export { SystemPanel } from './components/SystemPanel';
export { systemKeys, systemService, useServiceVersion, useSystemStatus, type PoolDevice, type SystemStatus } from './api/systemService';
