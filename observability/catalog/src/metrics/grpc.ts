import { GRPC_HANDLING_BUCKETS } from '../buckets.js';
import { defineMetric } from '../metric-definition.js';

// Names, help texts and label sets of go-grpc-prometheus, so that its dashboards and the strategy's
// queries (docs/architecture.md, 1.2 b) work unchanged.
const rpc = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
const handled = ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const;

export const grpcServerStartedTotal = defineMetric({
  name: 'grpc_server_started_total',
  help: 'Total number of RPCs started on the server.',
  type: 'counter',
  unit: 'requests',
  labels: rpc,
  source: 'telemetry-sdk',
});

export const grpcServerHandledTotal = defineMetric({
  name: 'grpc_server_handled_total',
  help: 'Total number of RPCs completed on the server, regardless of success or failure.',
  type: 'counter',
  unit: 'requests',
  labels: handled,
  source: 'telemetry-sdk',
});

export const grpcServerHandlingSeconds = defineMetric({
  name: 'grpc_server_handling_seconds',
  help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
  type: 'histogram',
  unit: 'seconds',
  labels: rpc,
  buckets: GRPC_HANDLING_BUCKETS,
  source: 'telemetry-sdk',
  note: 'Carries trace_id exemplars when scraped as OpenMetrics.',
});

export const grpcServerMsgReceivedTotal = defineMetric({
  name: 'grpc_server_msg_received_total',
  help: 'Total number of RPC stream messages received on the server.',
  type: 'counter',
  unit: 'messages',
  labels: rpc,
  source: 'telemetry-sdk',
});

export const grpcServerMsgSentTotal = defineMetric({
  name: 'grpc_server_msg_sent_total',
  help: 'Total number of gRPC stream messages sent by the server.',
  type: 'counter',
  unit: 'messages',
  labels: rpc,
  source: 'telemetry-sdk',
});

export const grpcClientStartedTotal = defineMetric({
  name: 'grpc_client_started_total',
  help: 'Total number of RPCs started on the client.',
  type: 'counter',
  unit: 'requests',
  labels: rpc,
  source: 'telemetry-sdk',
});

export const grpcClientHandledTotal = defineMetric({
  name: 'grpc_client_handled_total',
  help: 'Total number of RPCs completed by the client, regardless of success or failure.',
  type: 'counter',
  unit: 'requests',
  labels: handled,
  source: 'telemetry-sdk',
});

export const grpcClientHandlingSeconds = defineMetric({
  name: 'grpc_client_handling_seconds',
  help: 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
  type: 'histogram',
  unit: 'seconds',
  labels: rpc,
  buckets: GRPC_HANDLING_BUCKETS,
  source: 'telemetry-sdk',
});

export const grpcClientMsgReceivedTotal = defineMetric({
  name: 'grpc_client_msg_received_total',
  help: 'Total number of RPC stream messages received by the client.',
  type: 'counter',
  unit: 'messages',
  labels: rpc,
  source: 'telemetry-sdk',
});

export const grpcClientMsgSentTotal = defineMetric({
  name: 'grpc_client_msg_sent_total',
  help: 'Total number of gRPC stream messages sent by the client.',
  type: 'counter',
  unit: 'messages',
  labels: rpc,
  source: 'telemetry-sdk',
});
