#!/usr/bin/env node
import { parseArgs } from 'node:util';
// Command line entry of the trace store, as the supervisor runs it:
//   tracestore --data-dir var/data/tracestore [--otlp-http 127.0.0.1:4318] [--otlp-grpc 127.0.0.1:4317]
//              [--query 127.0.0.1:16686] [--synchronous FULL|NORMAL] [--retention-age 168h]
//              [--retention-bytes 2147483648] [--max-spans-per-trace 10000] [--max-analysis-spans 10000]
//              [--analysis-threads N] [--analysis-timeout 30s]
//              [--auth-tokens-file FILE]
//              [--sqlite-driver better-sqlite3|node:sqlite]
// A listener set to "off" is not started. --auth-tokens-file turns on tenancy by token (one "<tenant> <token>"
// per line, see @opsight/tenant-auth; re-read when it changes, so tokens rotate without a restart; a malformed
// file at start exits with its file:line). Without it the store has the single tenant `fake`. The bearer token, when wanted, comes from the environment
// (TRACESTORE_BEARER_TOKEN) so that it never appears in a process list. Readiness: GET /ready on the query port.
import { tryParseDuration } from '@opsight/contracts/codecs';
import { parseSqliteDriver } from '@opsight/sqlite';
import { TokensFile } from '@opsight/tenant-auth';
import { TraceStoreServer } from '../internal/trace-store-server.js';

const usage =
  'usage: tracestore --data-dir DIR [--otlp-http HOST:PORT|off] [--otlp-grpc HOST:PORT|off] [--query HOST:PORT|off] ' +
  '[--synchronous FULL|NORMAL] [--retention-age DURATION] [--retention-bytes BYTES] [--max-spans-per-trace N] ' +
  '[--max-analysis-spans N] [--analysis-threads N] [--analysis-timeout DURATION] [--auth-tokens-file FILE] [--sqlite-driver better-sqlite3|node:sqlite]';

function listener(value: string | undefined, fallback: string): string | null {
  if (value === 'off') return null;
  return value ?? fallback;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      'otlp-http': { type: 'string' },
      'otlp-grpc': { type: 'string' },
      query: { type: 'string' },
      synchronous: { type: 'string' },
      'retention-age': { type: 'string' },
      'retention-bytes': { type: 'string' },
      'max-spans-per-trace': { type: 'string' },
      'max-analysis-spans': { type: 'string' },
      'analysis-threads': { type: 'string' },
      'analysis-timeout': { type: 'string' },
      'auth-tokens-file': { type: 'string' },
      'sqlite-driver': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error(`--data-dir is required\n${usage}`);
  const synchronous = values.synchronous?.toUpperCase() ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
    throw new Error('--synchronous must be FULL or NORMAL');
  const ageNs = values['retention-age'] ? tryParseDuration(values['retention-age']) : null;
  if (values['retention-age'] && (ageNs === null || ageNs <= 0n))
    throw new Error('--retention-age: bad duration');
  const bytes = values['retention-bytes'] ? Number(values['retention-bytes']) : undefined;
  if (bytes !== undefined && !(bytes > 0)) throw new Error('--retention-bytes must be a positive number');
  const maxSpans = values['max-spans-per-trace'] ? Number(values['max-spans-per-trace']) : undefined;
  if (maxSpans !== undefined && !(Number.isSafeInteger(maxSpans) && maxSpans > 0))
    throw new Error('--max-spans-per-trace must be a positive integer');
  const maxAnalysis = values['max-analysis-spans'] ? Number(values['max-analysis-spans']) : undefined;
  if (maxAnalysis !== undefined && !(Number.isSafeInteger(maxAnalysis) && maxAnalysis > 0))
    throw new Error('--max-analysis-spans must be a positive integer');
  const threads = values['analysis-threads'] ? Number(values['analysis-threads']) : undefined;
  if (threads !== undefined && !(Number.isSafeInteger(threads) && threads >= 0))
    throw new Error('--analysis-threads must be a whole number (0: analyse on the store thread)');
  const analysisTimeoutNs = values['analysis-timeout'] ? tryParseDuration(values['analysis-timeout']) : null;
  if (values['analysis-timeout'] && (analysisTimeoutNs === null || analysisTimeoutNs <= 0n))
    throw new Error('--analysis-timeout: bad duration');
  const sqliteDriver = values['sqlite-driver'] ? parseSqliteDriver(values['sqlite-driver']) : undefined;
  const tokensFile = values['auth-tokens-file'];
  const tenantAuth = tokensFile ? new TokensFile(tokensFile) : undefined;
  const server = await TraceStoreServer.start({
    dataDir,
    otlpHttp: listener(values['otlp-http'], '127.0.0.1:4318'),
    otlpGrpc: listener(values['otlp-grpc'], '127.0.0.1:4317'),
    query: listener(values.query, '127.0.0.1:16686'),
    synchronous,
    sqliteDriver,
    retention: { maxAgeMs: ageNs ? Number(ageNs / 1_000_000n) : undefined, maxBytes: bytes },
    maxSpansPerTrace: maxSpans,
    maxAnalysisSpans: maxAnalysis,
    analysisThreads: threads,
    analysisTimeoutMs: analysisTimeoutNs ? Number(analysisTimeoutNs / 1_000_000n) : undefined,
    bearerToken: process.env.TRACESTORE_BEARER_TOKEN || undefined,
    tenantAuth,
  });
  console.log(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'INFO',
      service: 'tracestore',
      message: 'listening',
      ...server.addresses,
    }),
  );
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  console.error(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'ERROR',
      service: 'tracestore',
      message: error.message,
    }),
  );
  process.exit(1);
});
