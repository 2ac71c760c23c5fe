import { HTTP_METHOD_OTHER, HTTP_METHODS, type StatusClass } from '@opsight/catalog';

const CLASSES: readonly StatusClass[] = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** `2xx` for 204, and so on; anything out of range counts as `5xx`. */
export function statusClassOf(status: number): StatusClass {
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? CLASSES[c]! : '5xx';
}

const METHODS = new Set<string>(HTTP_METHODS);

/** The method as a bounded label value: known methods as is, anything else `_OTHER`. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : HTTP_METHOD_OTHER;
}
