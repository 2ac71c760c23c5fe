/** The media type of a Content-Type header (`application/json; charset=utf-8` → `application/json`). */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** Whether a request carries a body (a non-zero Content-Length, or a Transfer-Encoding). */
export function hasBody(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return typeof length === 'string' && length.trim() !== '' && length.trim() !== '0';
}

/**
 * Whether a write's body may reach a decoder: a write without a body passes; one with a body must declare
 * one of `declared` (media types, compared without parameters). A body without a Content-Type is refused.
 */
export function isDeclaredContentType(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  declared: readonly string[],
): boolean {
  if (!hasBody(headers)) return true;
  const raw = headers['content-type'];
  const type = mediaTypeOf(typeof raw === 'string' ? raw : undefined);
  return type !== undefined && declared.some((d) => d.toLowerCase() === type);
}
