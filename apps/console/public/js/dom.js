// Small DOM and data helpers shared by the pages.
import { safeHref } from './safe-url.js';

/** Attributes that hold a URL the browser may navigate to or load: always checked by safeHref. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);

/** Creates an element: h('div', { class: 'x', onclick }, child, 'text', [more]). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** Creates an SVG element, as h() does an HTML one. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    // Styles go through the CSSOM: the Content-Security-Policy (style-src 'self') refuses style attributes.
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'style') el.style.cssText = String(v);
    else if (URL_ATTRIBUTES.has(k.toLowerCase())) {
      const href = safeHref(String(v));
      if (href !== undefined) el.setAttribute(k, href);
    } else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * A link to `url` when it is http(s) or relative; otherwise the same content as plain text (a span
 * with class `unsafe-link`, the refused URL in its title), so nothing that runs script can be clicked.
 */
export function link(url, attrs = {}, ...children) {
  const href = safeHref(url);
  if (href === undefined)
    return h(
      'span',
      {
        ...attrs,
        class: ['unsafe-link', attrs.class].filter(Boolean).join(' '),
        title: `not a link: ${String(url)}`,
      },
      ...children,
    );
  return h('a', { ...attrs, href, rel: 'noopener noreferrer' }, ...children);
}

/** GET (or POST form) JSON through the console's server; throws an Error with the server's message. */
export async function api(path, params) {
  const url = params ? `${path}?${new URLSearchParams(params)}` : path;
  const res = await fetch(url);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (!res.ok || body.status === 'error') {
    const e = body.error;
    const err = new Error(
      typeof e === 'string' ? e : e?.message || body.message || `${res.status} ${res.statusText}`,
    );
    // The HTTP status and the console's error code (UPSTREAM_UNAVAILABLE, …), for pages that tell a store
    // that is down from one that lacks the endpoint.
    err.status = res.status;
    err.code = typeof e === 'object' && e ? e.code : undefined;
    throw err;
  }
  return body;
}

/** The query string of the current hash route as an object. */
export function routeParams() {
  const q = location.hash.split('?')[1] ?? '';
  return Object.fromEntries(new URLSearchParams(q));
}

/** Sets the current route's query parameters without a reload. */
export function setRouteParams(params) {
  const base = location.hash.split('?')[0] || '#/';
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  history.replaceState(null, '', `${base}${q.size ? `?${q}` : ''}`);
}

const DURATIONS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** Seconds of a duration such as 15m or 7d. */
export function seconds(text) {
  const m = /^(\d+)([smhdw])$/.exec(text);
  return m ? Number(m[1]) * DURATIONS[m[2]] : 3600;
}

function scaled(v, steps, base, digits = 2) {
  let i = 0;
  let x = Math.abs(v);
  while (x >= base && i < steps.length - 1) {
    x /= base;
    i++;
  }
  return `${(Math.sign(v) * x).toFixed(x >= 100 ? 0 : digits).replace(/\.0+$/, '')} ${steps[i]}`.trim();
}

/** Formats a value in a Grafana unit. */
export function formatValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'percentunit':
      return `${(v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1)} %`;
    case 'percent':
      return `${v.toFixed(1)} %`;
    case 's':
      return Math.abs(v) < 1 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(2)} s`;
    case 'ms':
      return Math.abs(v) < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`;
    case 'bytes':
      return scaled(v, ['B', 'KiB', 'MiB', 'GiB', 'TiB'], 1024);
    case 'Bps':
      return `${scaled(v, ['B', 'KiB', 'MiB', 'GiB'], 1024)}/s`;
    case 'reqps':
      return `${scaled(v, ['', 'K', 'M'], 1000)} req/s`.replace('  ', ' ');
    case 'ops':
      return `${scaled(v, ['', 'K', 'M'], 1000)} ops/s`.replace('  ', ' ');
    default:
      return scaled(v, ['', 'K', 'M', 'B'], 1000);
  }
}

/** Fills a legend template such as '{{model_name}} P90' from series labels. */
export function legendName(template, labels) {
  if (template) return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => labels[k] ?? '');
  const entries = Object.entries(labels).filter(([k]) => k !== '__name__');
  return entries.length
    ? `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`
    : labels.__name__ || 'value';
}

export const COLORS = [
  '#73bf69',
  '#f2cc0c',
  '#5794f2',
  '#ff9830',
  '#f2495c',
  '#b877d9',
  '#37872d',
  '#8ab8ff',
  '#fade2a',
  '#ffb357',
];

/** Finds a trace id in a log line: its structured metadata, its stream labels, or its JSON body. */
export function traceIdOf(line, labels = {}, metadata = {}) {
  const direct = metadata.trace_id || labels.trace_id;
  if (direct) return direct;
  const m =
    /"trace_id"\s*:\s*"([0-9a-fA-F]{16,32})"/.exec(line) || /\btrace_id=([0-9a-fA-F]{16,32})\b/.exec(line);
  return m ? m[1] : undefined;
}
