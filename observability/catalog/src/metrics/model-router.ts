import { defineMetric } from '../metric-definition.js';

const backendNote = '`backend` is a backend name of the routing table.';
const modelNote = '`model_name` is bounded by the routing table.';

export const modelRouterBackendUp = defineMetric({
  name: 'model_router_backend_up',
  help: "Whether the router's active health checks see a model-serving backend up (1) or down (0).",
  type: 'gauge',
  unit: '1',
  labels: ['backend'],
  source: 'service',
  note: backendNote,
});

export const modelRouterCircuitOpen = defineMetric({
  name: 'model_router_circuit_open',
  help: "Whether a backend's circuit breaker is open or half-open (1) or closed (0).",
  type: 'gauge',
  unit: '1',
  labels: ['backend'],
  source: 'service',
  note: backendNote,
});

export const modelRouterRetriesTotal = defineMetric({
  name: 'model_router_retries_total',
  help: 'Tries after the first one, by the model requested.',
  type: 'counter',
  unit: 'requests',
  labels: ['model_name'],
  source: 'service',
  note: modelNote,
});

export const modelRouterFallbacksTotal = defineMetric({
  name: 'model_router_fallbacks_total',
  help: 'Calls answered by a fallback model, by the model requested.',
  type: 'counter',
  unit: 'requests',
  labels: ['model_name'],
  source: 'service',
  note: modelNote,
});
