import { alertRelayWorkload } from '@opsight/alert-relay/workload';
import { apiServiceWorkload } from '@opsight/api-service/workload';
import { consoleWorkload } from '@opsight/console/workload';
import type { WorkloadDescriptor } from '@opsight/contracts/workload';
import { gatewayTelemetryWorkload } from '@opsight/gateway-telemetry/workload';
import { loadgenWorkload } from '@opsight/loadgen/workload';
import { collectorWorkload, logstoreWorkload } from '@opsight/logstore/workload';
import { modelRouterWorkload } from '@opsight/model-router/workload';
import { gpuExporterWorkload, modelServingWorkload } from '@opsight/model-serving/workload';
import { gatewayConfigWorkload, gatewayWorkload } from '@opsight/nginx-gateway/workload';
import { tracestoreWorkload } from '@opsight/tracestore/workload';

/** Every workload of ours, as its own package declares it; the engines are in engines.ts. */
export const OUR_WORKLOADS: readonly WorkloadDescriptor[] = [
  apiServiceWorkload,
  modelRouterWorkload,
  modelServingWorkload,
  gpuExporterWorkload,
  gatewayWorkload,
  gatewayConfigWorkload,
  gatewayTelemetryWorkload,
  alertRelayWorkload,
  logstoreWorkload,
  collectorWorkload,
  tracestoreWorkload,
  consoleWorkload,
  loadgenWorkload,
];

export { ENGINE_WORKLOADS } from './engines.js';
