// OTLP logs (protobuf or JSON) mapped to streams as Loki's OTLP endpoint maps them: the default
// resource attributes become index labels (dots → underscores; service_name defaults to
// "unknown_service"); the other resource, scope and log attributes, trace_id, span_id,
// severity_text and severity_number become structured metadata; the body is the line.

import { type AnyValue, anyValueToJs, type KeyValue } from '@opsight/contracts/codecs';
import { protoFile } from '@opsight/contracts/proto';
import protobuf from 'protobufjs';
import type { Labels } from '../labels.js';
import { MAX_DECODED_BYTES, PushDecodeError, type RawStream } from './decode-push.js';
import { decodeContentEncoding } from './decompress.js';

let requestType: protobuf.Type | undefined;

/** Resource attributes Loki promotes to index labels by default. */
const INDEX_LABEL_ATTRIBUTES = new Set([
  'cloud.availability_zone',
  'cloud.region',
  'container.name',
  'deployment.environment',
  'deployment.environment.name',
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.cronjob.name',
  'k8s.daemonset.name',
  'k8s.deployment.name',
  'k8s.job.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'service.instance.id',
  'service.name',
  'service.namespace',
]);

/** The text of a value: strings as they are, anything else as JSON; an empty value is the empty string. */
function text(v: AnyValue | null | undefined): string {
  const p = anyValueToJs(v);
  if (p === null) return '';
  return typeof p === 'string' ? p : JSON.stringify(p);
}

const labelName = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');

function hexId(v: Uint8Array | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v; // OTLP/JSON carries ids as hex strings
  return Buffer.from(v).toString('hex');
}

export function decodeOtlpLogs(
  body: Buffer,
  contentType: string,
  contentEncoding: string,
  maxBytes = MAX_DECODED_BYTES,
): RawStream[] {
  const raw = decodeContentEncoding(body, contentEncoding, maxBytes);
  let req: {
    resourceLogs?: Array<{
      resource?: { attributes?: KeyValue[] };
      scopeLogs?: Array<Record<string, unknown>>;
    }>;
  };
  if (contentType.toLowerCase().startsWith('application/json')) {
    try {
      req = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new PushDecodeError('INVALID_JSON', `invalid OTLP JSON body: ${(e as Error).message}`);
    }
    if (typeof req !== 'object' || req === null)
      throw new PushDecodeError('INVALID_JSON', 'OTLP body must be an object');
  } else {
    requestType ??= protobuf
      .loadSync(protoFile('otlp/logs.proto'))
      .lookupType('opentelemetry.proto.ExportLogsServiceRequest');
    try {
      req = requestType.toObject(requestType.decode(raw), { longs: String, bytes: Array }) as typeof req;
    } catch (e) {
      throw new PushDecodeError('INVALID_PROTOBUF', `invalid OTLP protobuf body: ${(e as Error).message}`);
    }
  }
  const streams = new Map<string, RawStream>();
  for (const rl of req.resourceLogs ?? []) {
    const labels: Labels = {};
    const resourceMeta: Labels = {};
    for (const kv of rl.resource?.attributes ?? []) {
      const k = kv.key ?? '';
      if (INDEX_LABEL_ATTRIBUTES.has(k)) labels[labelName(k)] = text(kv.value);
      else resourceMeta[labelName(k)] = text(kv.value);
    }
    labels.service_name ??= 'unknown_service';
    const key = JSON.stringify(Object.entries(labels).sort());
    let stream = streams.get(key);
    if (!stream) {
      stream = { labels, entries: [] };
      streams.set(key, stream);
    }
    for (const sl of (rl.scopeLogs ?? []) as Array<{
      scope?: { name?: string; version?: string; attributes?: KeyValue[] };
      logRecords?: Array<Record<string, unknown>>;
    }>) {
      const scopeMeta: Labels = {};
      if (sl.scope?.name) scopeMeta.scope_name = sl.scope.name;
      if (sl.scope?.version) scopeMeta.scope_version = sl.scope.version;
      for (const kv of sl.scope?.attributes ?? []) scopeMeta[labelName(kv.key ?? '')] = text(kv.value);
      for (const lr of sl.logRecords ?? []) {
        const r = lr as {
          timeUnixNano?: string | number;
          observedTimeUnixNano?: string | number;
          severityNumber?: number;
          severityText?: string;
          body?: AnyValue;
          attributes?: KeyValue[];
          traceId?: Uint8Array | string | number[];
          spanId?: Uint8Array | string | number[];
        };
        let ts = BigInt(String(r.timeUnixNano ?? 0));
        if (ts === 0n) ts = BigInt(String(r.observedTimeUnixNano ?? 0));
        if (ts === 0n) ts = BigInt(Date.now()) * 1_000_000n;
        const md: Labels = { ...resourceMeta, ...scopeMeta };
        for (const kv of r.attributes ?? []) md[labelName(kv.key ?? '')] = text(kv.value);
        const trace = hexId(Array.isArray(r.traceId) ? Uint8Array.from(r.traceId) : r.traceId);
        const span = hexId(Array.isArray(r.spanId) ? Uint8Array.from(r.spanId) : r.spanId);
        if (trace) md.trace_id = trace;
        if (span) md.span_id = span;
        if (r.severityText) md.severity_text = r.severityText;
        if (r.severityNumber) md.severity_number = String(r.severityNumber);
        stream.entries.push({ ts, line: text(r.body), metadata: md });
      }
    }
  }
  return [...streams.values()];
}
