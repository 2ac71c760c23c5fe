// Pieces of Alloy syntax rendered from the log rule: the JSON-to-labels/metadata/timestamp stages that
// every Alloy pipeline of Opsight ends with. Laid out as `alloy fmt` does (attributes of a block
// aligned on `=`, two-space indents).
import { LOG_EXTRACTED_FIELDS, LOG_SHIPPING } from '../log-shipping.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An Alloy identifier, refused otherwise (a field name that would need quoting). */
export function alloyIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${name} is not an Alloy identifier`);
  return name;
}

/** An Alloy string literal. */
export function alloyString(value: string): string {
  return JSON.stringify(value);
}

/** `name = value` lines with the `=` aligned, each at `indent`, each followed by `suffix`. */
export function alignedAttributes(
  entries: readonly (readonly [string, string])[],
  indent: string,
  suffix = '',
): string[] {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${indent}${alloyIdentifier(k).padEnd(width)} = ${v}${suffix}`);
}

/** An Alloy object literal spanning several lines, opened after `key = ` at `indent`. */
export function alloyObject(entries: readonly (readonly [string, string])[], indent: string): string {
  return ['{', ...alignedAttributes(entries, `${indent}  `, ','), `${indent}}`].join('\n');
}

/**
 * The stages that apply the log rule to a JSON line, inside a `loki.process` block: extract the
 * fields, promote the label fields and the structured-metadata fields, and take the entry time.
 */
export function alloyRuleStages(): string {
  const extract = LOG_EXTRACTED_FIELDS.map((f) => [f, alloyString(f)] as const);
  const labels = LOG_SHIPPING.fieldLabels.map((f) => [f, '""'] as const);
  const metadata = LOG_SHIPPING.structuredMetadata.map((f) => [f, '""'] as const);
  return `  // The log rule (@opsight/catalog LOG_SHIPPING). Stream labels: ${LOG_SHIPPING.fieldLabels.join(', ')}. Structured
  // metadata, never labels (unbounded cardinality): ${LOG_SHIPPING.structuredMetadata.join(', ')}. Entry time: the
  // line's own \`${LOG_SHIPPING.timestampField}\`. The line itself is shipped unchanged.
  stage.json {
    expressions = ${alloyObject(extract, '    ')}
  }

  stage.labels {
    values = ${alloyObject(labels, '    ')}
  }

  stage.structured_metadata {
    values = ${alloyObject(metadata, '    ')}
  }

  // The services write RFC 3339 with milliseconds; RFC3339Nano parses that too.
  stage.timestamp {
    source = ${alloyString(LOG_SHIPPING.timestampField)}
    format = "RFC3339Nano"
  }`;
}
