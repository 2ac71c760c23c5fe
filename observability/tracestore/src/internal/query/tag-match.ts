// Tag filters of trace search that have no index column, matched against one span the way Jaeger matches
// tags: span attributes, resource (process) attributes, and the tags Jaeger derives from OTLP fields.
import { valueText } from '../otlp/attribute-values.js';
import type { ResourceMessage, SpanMessage } from '../otlp/otlp-model.js';
import { otlpTypes } from '../otlp/otlp-schema.js';
import type { StoredResource, StoredSpan } from '../storage/span-store.js';
import { jaegerSpanKinds } from './jaeger-json.js';

const statusNames = ['', 'OK', 'ERROR'];

export function matchTags(
  span: StoredSpan,
  resource: StoredResource,
  filters: Record<string, string>,
): boolean {
  const message = otlpTypes.span.decode(span.data) as unknown as SpanMessage;
  let resourceMessage: ResourceMessage | undefined;
  for (const [key, expected] of Object.entries(filters)) {
    if (key === 'span.kind' && jaegerSpanKinds[span.kind] === expected) continue;
    if (key === 'otel.status_code' && statusNames[span.statusCode] === expected) continue;
    if (key === 'error' && expected === 'true' && span.statusCode === 2) continue;
    if (message.attributes?.some((kv) => kv.key === key && valueText(kv.value) === expected)) continue;
    if (
      message.events?.some((e) =>
        e.attributes?.some((kv) => kv.key === key && valueText(kv.value) === expected),
      )
    ) {
      continue;
    }
    resourceMessage ??= otlpTypes.resource.decode(resource.data) as unknown as ResourceMessage;
    if (resourceMessage.attributes?.some((kv) => kv.key === key && valueText(kv.value) === expected))
      continue;
    return false;
  }
  return true;
}
