// The OTLP trace messages (opentelemetry-proto v1: common, resource, trace and the trace collector service),
// declared with the field numbers and types of the published OTLP protocol and compiled with protobufjs.
// Only the messages a trace receiver needs are declared; unknown fields in requests are kept in the stored
// span bytes because spans are stored as the bytes that arrived.
import protobuf from 'protobufjs';

const schema = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  string message = 2;
  int32 code = 3;
}
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
message RpcStatus {
  int32 code = 1;
  string message = 2;
}
`;

// Enums are declared as int32 above so that values outside the published enum survive decoding and can be
// rejected with a reason instead of being silently mapped.
const root = protobuf.parse(schema, { keepCase: false }).root;

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
