import { GRPC_CODES, type GrpcType } from '@opsight/catalog';

/** `/pkg.Service/Method` → service and method, as go-grpc-prometheus splits them. */
export function splitMethodPath(path: string): { service: string; method: string } {
  const name = path.startsWith('/') ? path.slice(1) : path;
  const slash = name.lastIndexOf('/');
  return slash === -1
    ? { service: 'unknown', method: name }
    : { service: name.slice(0, slash), method: name.slice(slash + 1) };
}

/** go-grpc-prometheus `grpc_type` from the method's streaming flags. */
export function grpcTypeOf(requestStream: boolean, responseStream: boolean): GrpcType {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

/** `grpc_code` label value for a numeric status code; unknown numbers are `Unknown`. */
export function grpcCodeName(code: number): string {
  return GRPC_CODES[code] ?? 'Unknown';
}

/** Server-side codes that mark the span as an error (OpenTelemetry RPC conventions). */
const SERVER_ERROR_CODES = new Set([2, 4, 12, 13, 14, 15]);
export function isServerError(code: number): boolean {
  return SERVER_ERROR_CODES.has(code);
}
