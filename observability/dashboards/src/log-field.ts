import { EVENT_LOG_FIELDS, LOG_FIELDS } from '@opsight/catalog';

const known = new Set([...LOG_FIELDS, ...EVENT_LOG_FIELDS].map((f) => f.name));

/** A log field name, checked against the catalog so that a query never names a field nobody writes. */
export function logField(name: string): string {
  if (!known.has(name)) throw new Error(`log field ${JSON.stringify(name)} is not in @opsight/catalog`);
  return name;
}
