// Helpers for tests of code that uses @opsight/telemetry: `import … from '@opsight/telemetry/testing'`.
import { Writable } from 'node:stream';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { initTelemetry, type Telemetry } from './telemetry.js';

/** A log destination that keeps every line in memory, so tests read the real logger's output. */
export class LineCapture extends Writable {
  readonly lines: string[] = [];
  #partial = '';

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const parts = (this.#partial + chunk.toString()).split('\n');
    this.#partial = parts.pop() ?? '';
    this.lines.push(...parts);
    callback();
  }

  /** Every line parsed as JSON (throws if one is not). */
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  clear(): void {
    this.lines.length = 0;
  }
}

export interface TestTelemetryOptions {
  /** Where finished spans go (exported 10 ms after they end). @default none: spans are not exported */
  spanExporter?: SpanExporter;
}

/** Telemetry for a test process: log lines captured, spans to `spanExporter` or nowhere, no signal handlers. */
export function startTestTelemetry(
  service: string,
  options: TestTelemetryOptions = {},
): { telemetry: Telemetry; logs: LineCapture } {
  const logs = new LineCapture();
  const { spanExporter } = options;
  const telemetry = initTelemetry({
    service,
    handleSignals: false,
    logDestination: logs,
    defaultMetrics: false,
    ...(spanExporter ? { spanExporter } : {}),
    env: spanExporter ? { OTEL_BSP_SCHEDULE_DELAY: '10' } : { OTEL_TRACES_EXPORTER: 'none' },
  });
  return { telemetry, logs };
}

/** Waits until `check` is true (polling every 10 ms); rejects after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
