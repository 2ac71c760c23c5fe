// SVG time-series chart with exemplars.
import { COLORS, formatValue, s as h } from './dom.js';

/**
 * Draws series [{ name, points: [[tsSeconds, value]] }] between start and end (seconds) into an SVG,
 * with exemplars [{ ts, value, traceId }] as diamonds that open their trace.
 */
export function lineChart(series, { start, end, unit, min, max, exemplars = [], width = 600, height = 200 }) {
  const W = Math.max(200, Math.round(width));
  const H = Math.max(80, Math.round(height));
  const pad = { l: 56, r: 6, t: 6, b: 18 };
  const values = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  for (const e of exemplars) if (Number.isFinite(e.value)) values.push(e.value);
  let lo = min ?? Math.min(0, ...values);
  let hi = max ?? Math.max(...values, lo + 1e-9);
  if (hi === lo) hi = lo + 1;
  if (!Number.isFinite(lo)) lo = 0;
  const x = (t) => pad.l + ((t - start) / (end - start || 1)) * (W - pad.l - pad.r);
  const y = (v) => H - pad.b - ((v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  const svg = h('svg', {
    viewBox: `0 0 ${W} ${H}`,

    width: '100%',
    height: '100%',
    class: 'chart',
  });
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    svg.append(
      h('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), stroke: '#2c3038', 'stroke-width': 1 }),
    );
    svg.append(h('text', { x: 2, y: y(v) + 3 }, formatValue(v, unit)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = start + ((end - start) * i) / 4;
    const label = new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    svg.append(h('text', { x: x(t) - (i === 4 ? 28 : i === 0 ? 0 : 14), y: H - 4 }, label));
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length === 0) return;
    const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    svg.append(
      h('path', {
        d,
        fill: 'none',
        stroke: COLORS[i % COLORS.length],
        'stroke-width': 1.5,
        'vector-effect': 'non-scaling-stroke',
      }),
    );
    if (pts.length === 1)
      svg.append(
        h('circle', { cx: x(pts[0][0]), cy: y(pts[0][1]), r: 2.5, fill: COLORS[i % COLORS.length] }),
      );
  });
  for (const e of exemplars) {
    const cx = x(e.ts);
    const cy = y(e.value);
    const link = h('a', { href: `#/trace/${e.traceId}`, class: 'exemplar', 'data-trace-id': e.traceId });
    link.append(
      h('path', { d: `M${cx},${cy - 4}L${cx + 4},${cy}L${cx},${cy + 4}L${cx - 4},${cy}Z`, fill: '#fade2a' }),
    );
    link.append(h('title', {}, `exemplar: trace ${e.traceId} (${formatValue(e.value, unit)})`));
    svg.append(link);
  }
  return svg;
}
