import type { MetricDefinition } from '../metric-definition.js';
import * as alertRelay from './alert-relay.js';
import * as apiService from './api-service.js';
import * as gateway from './gateway.js';
import * as grpc from './grpc.js';
import * as httpServer from './http-server.js';
import * as inference from './inference.js';
import * as infrastructure from './infrastructure.js';
import * as logstore from './logstore.js';
import * as modelRouter from './model-router.js';
import * as ruleSources from './rule-sources.js';
import * as telemetrySelf from './telemetry-self.js';
import * as traceStore from './trace-store.js';

/** A titled group of metric definitions, as shown in the reference page. */
export interface MetricGroup {
  readonly title: string;
  readonly metrics: readonly MetricDefinition[];
}

export const METRIC_GROUPS: readonly MetricGroup[] = Object.freeze([
  { title: 'Gateway (nginx)', metrics: Object.values(gateway) },
  { title: 'HTTP services', metrics: Object.values(httpServer) },
  { title: 'gRPC (go-grpc-prometheus names)', metrics: Object.values(grpc) },
  { title: 'Model inference', metrics: Object.values(inference) },
  { title: 'Model router', metrics: Object.values(modelRouter) },
  { title: 'API service', metrics: Object.values(apiService) },
  { title: 'Alert relay', metrics: Object.values(alertRelay) },
  { title: 'Log store', metrics: Object.values(logstore) },
  { title: 'Infrastructure (for reference)', metrics: Object.values(infrastructure) },
  { title: 'Telemetry SDK self-metrics', metrics: Object.values(telemetrySelf) },
  { title: 'Trace store', metrics: Object.values(traceStore) },
  { title: 'Exporter and pipeline series read by the rules', metrics: Object.values(ruleSources) },
]);

/** Every metric of the contract. */
export const METRICS: readonly MetricDefinition[] = Object.freeze(METRIC_GROUPS.flatMap((g) => g.metrics));
