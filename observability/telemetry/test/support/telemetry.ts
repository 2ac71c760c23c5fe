import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { initTelemetry, type Telemetry, type TelemetryOptions } from '../../src/telemetry.js';
import { LineCapture } from '../../src/testing.js';

export interface TestTelemetry {
  telemetry: Telemetry;
  spans: InMemorySpanExporter;
  logs: LineCapture;
  /** Flushes and returns every finished span so far. */
  finished(): Promise<ReadableSpan[]>;
  /** Flushes, then forgets every span and log line so far. */
  reset(): Promise<void>;
}

/** Starts telemetry for a test file: spans kept in memory, log lines captured, no signal handlers. */
export function startTestTelemetry(options: Partial<TelemetryOptions> = {}): TestTelemetry {
  const spans = new InMemorySpanExporter();
  const logs = new LineCapture();
  const telemetry = initTelemetry({
    service: 'test-service',
    version: '1.2.3',
    handleSignals: false,
    logDestination: logs,
    spanExporter: spans,
    env: { OTEL_BSP_SCHEDULE_DELAY: '10' },
    ...options,
  });
  return {
    telemetry,
    spans,
    logs,
    async finished() {
      await telemetry.forceFlush();
      return spans.getFinishedSpans();
    },
    async reset() {
      await telemetry.forceFlush();
      spans.reset();
      logs.clear();
    },
  };
}
