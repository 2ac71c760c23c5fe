// The one check for every URL the console renders as a link (runbook_url, generatorURL, alert and
// dashboard links, trace and log links): only http(s) and relative URLs become links; anything else
// (javascript:, data:, vbscript:, file:, …, in any case and with any whitespace or control characters
// the URL parser ignores) is shown as text. The URL is parsed with the browser's own parser against the
// page's address, so what is checked is exactly what a click would open.

const SAFE_PROTOCOLS = new Set(['http:', 'https:']);

/**
 * The href to use for `raw`, or undefined when it must not be a link.
 * @param {unknown} raw the URL as received (an annotation, a label, a panel link)
 * @param {string} [base] the page's address; relative URLs resolve against it
 * @returns {string | undefined}
 */
export function safeHref(raw, base = globalThis.location?.href ?? 'http://localhost/') {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8192) return undefined;
  let url;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return undefined;
  // Controls or whitespace the parser would drop (tabs, newlines, leading C0) mean the text someone sees
  // is not the URL that opens: keep the parsed form, which is what the browser would follow anyway.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is checked for
  return /[\u0000-\u0020\u007f]/.test(raw) ? url.href : raw;
}
