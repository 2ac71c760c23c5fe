import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from '@opsight/telemetry';
import pino from 'pino';

export interface LoggerResult {
  /** pino with its defaults, given the same call. */
  barePinoLinesPerSec: number;
  /** pino configured to write the same line (ISO timestamp, `message`, trace ids passed by the caller). */
  sameLinePinoLinesPerSec: number;
  opsightLinesPerSec: number;
}

async function measure(
  write: () => void,
  lines: number,
  destination: pino.DestinationStream,
): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) write();
  await new Promise<void>((resolve) =>
    (destination as unknown as { flush(cb: () => void): void }).flush(resolve),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return lines / seconds;
}

/**
 * Lines per second of the SDK's logger and of bare pino, writing the same event to the same asynchronous
 * /dev/null destination: pino with its defaults, and pino set up to write the same line (ISO timestamp,
 * level names, `message`, trace ids passed by the caller). The SDK's logger runs inside a span context
 * (trace ids looked up on every line), as in a service. Best of `rounds` alternating runs.
 */
export async function benchLogger(lines: number, rounds: number): Promise<LoggerResult> {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const destination = pino.destination({ dest: '/dev/null', sync: false, minLength: 1 });
  await new Promise((resolve) => destination.once('ready', resolve));
  const bare = pino({ base: { service: 'bench' } }, destination);
  const sameLine = pino(
    {
      base: { service: 'bench' },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    },
    destination,
  );
  const opsight = createLogger({ service: 'bench', destination });
  const fields = { model_name: 'gpt-4o', latency_ms: 15, path: '/v1/chat/completions', status: 200 };
  const spanContext = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
  };
  const ctx = trace.setSpanContext(context.active(), spanContext);

  const withIds = { trace_id: spanContext.traceId, span_id: spanContext.spanId, ...fields };
  let bareBest = 0;
  let sameLineBest = 0;
  let opsightBest = 0;
  for (let round = 0; round < rounds; round++) {
    bareBest = Math.max(
      bareBest,
      await measure(() => bare.info(fields, 'Routing request'), lines, destination),
    );
    sameLineBest = Math.max(
      sameLineBest,
      await measure(() => sameLine.info(withIds, 'Routing request'), lines, destination),
    );
    opsightBest = Math.max(
      opsightBest,
      await context.with(ctx, () =>
        measure(() => opsight.info(fields, 'Routing request'), lines, destination),
      ),
    );
  }
  context.disable();
  return {
    barePinoLinesPerSec: bareBest,
    sameLinePinoLinesPerSec: sameLineBest,
    opsightLinesPerSec: opsightBest,
  };
}
