export type { AccessLogEntry, ParseErrorReason, ParseResult } from './access-log/access-log-line.js';
export { PARSE_ERROR_REASONS, parseAccessLogLine } from './access-log/access-log-line.js';
export type { GatewayTelemetryOptions } from './gateway-telemetry.js';
export { GatewayTelemetry } from './gateway-telemetry.js';
export { GatewayMetrics, HOST_OTHER } from './metrics/gateway-metrics.js';
export { gatewaySpan, KNOWN_ROUTES, parseTraceparent } from './spans/gateway-span.js';
export type { LogTailerOptions, TailPosition } from './tail/log-tailer.js';
export { LogTailer } from './tail/log-tailer.js';
