// The OTLP trace messages (@opsight/contracts/proto/otlp/trace.proto), compiled with protobufjs. Unknown
// fields in requests are kept in the stored span bytes because spans are stored as the bytes that arrived.
import { protoFile } from '@opsight/contracts/proto';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(protoFile('otlp/trace.proto'));

export const otlpTypes = {
  request: root.lookupType('opentelemetry.proto.ExportTraceServiceRequest'),
  response: root.lookupType('opentelemetry.proto.ExportTraceServiceResponse'),
  resource: root.lookupType('opentelemetry.proto.Resource'),
  scope: root.lookupType('opentelemetry.proto.InstrumentationScope'),
  span: root.lookupType('opentelemetry.proto.Span'),
  rpcStatus: root.lookupType('opentelemetry.proto.RpcStatus'),
};

/** gRPC service path of OTLP trace export. */
export const traceExportPath = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Span kinds of OTLP, by number. */
export const spanKindNames = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;

/** Status codes of OTLP, by number. */
export const statusCodeNames = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;
