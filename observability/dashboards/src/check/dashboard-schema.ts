import { DATASOURCES } from '../datasources.js';

/** Panel types the console can render; a generated dashboard uses no other. */
export const PANEL_TYPES = ['timeseries', 'stat', 'gauge', 'bargauge', 'table', 'logs'] as const;

const GRID_COLUMNS = 24;
const UID = /^[A-Za-z0-9_-]{1,40}$/;
const BUILTIN_VARIABLES = new Set(['__interval', '__rate_interval', '__range', '__all']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * Checks a dashboard JSON model against the parts of Grafana's dashboard schema (schemaVersion 36+) that
 * matter for provisioning and rendering: the required fields and their types, unique panel ids and
 * refIds, grid positions inside 24 columns without overlap, data sources by a provisioned uid, and every
 * `$variable` a query uses defined in `templating`. Also checks Opsight's own rules: every panel has a
 * title, a description and (except logs) a unit, and the dashboard carries the `generated` tag.
 * Returns the problems found, each as `path: problem`; empty when the model is valid.
 */
export function checkDashboardSchema(model: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, problem: string) => problems.push(`${path}: ${problem}`);
  if (!isObject(model)) return ['$: not an object'];
  if (typeof model.uid !== 'string' || !UID.test(model.uid)) fail('uid', 'must be 1-40 of [A-Za-z0-9_-]');
  if (!nonEmpty(model.title)) fail('title', 'must be a non-empty string');
  if (!isInt(model.schemaVersion) || model.schemaVersion < 36)
    fail('schemaVersion', 'must be an integer >= 36');
  if (!Array.isArray(model.tags) || !model.tags.every((t) => typeof t === 'string'))
    fail('tags', 'must be strings');
  else if (!model.tags.includes('generated')) fail('tags', 'must include "generated"');
  const time = model.time;
  if (!isObject(time) || !nonEmpty(time.from) || !nonEmpty(time.to)) fail('time', 'must have from and to');
  if (!isObject(model.annotations) || !Array.isArray(model.annotations.list))
    fail('annotations', 'must be { list: [] }');
  if (model.refresh !== undefined && typeof model.refresh !== 'string') fail('refresh', 'must be a string');

  const variables = new Set<string>();
  const templating = model.templating;
  if (templating !== undefined) {
    if (!isObject(templating) || !Array.isArray(templating.list)) fail('templating', 'must be { list: [] }');
    else
      for (const [i, v] of (templating.list as unknown[]).entries()) {
        const path = `templating.list[${i}]`;
        if (!isObject(v) || !nonEmpty(v.name) || !nonEmpty(v.type)) {
          fail(path, 'needs name and type');
          continue;
        }
        if (variables.has(v.name)) fail(path, `duplicate variable ${v.name}`);
        variables.add(v.name);
        if (v.type === 'query' && !nonEmpty(v.query)) fail(path, 'a query variable needs a query');
      }
  }

  if (!Array.isArray(model.panels) || model.panels.length === 0) {
    fail('panels', 'must be a non-empty array');
    return problems;
  }
  const ids = new Set<number>();
  const cells = new Map<string, number>();
  const uids = new Set<string>(Object.values(DATASOURCES).map((d) => d.uid));
  for (const [i, panel] of (model.panels as unknown[]).entries()) {
    const path = `panels[${i}]`;
    if (!isObject(panel)) {
      fail(path, 'not an object');
      continue;
    }
    if (!isInt(panel.id) || panel.id < 1) fail(`${path}.id`, 'must be a positive integer');
    else if (ids.has(panel.id)) fail(`${path}.id`, `duplicate id ${panel.id}`);
    else ids.add(panel.id);
    if (!(PANEL_TYPES as readonly unknown[]).includes(panel.type))
      fail(`${path}.type`, `unsupported ${String(panel.type)}`);
    if (!nonEmpty(panel.title)) fail(`${path}.title`, 'must be a non-empty string');
    if (!nonEmpty(panel.description)) fail(`${path}.description`, 'must be a non-empty string');
    if (panel.type !== 'logs') {
      const defaults = isObject(panel.fieldConfig) ? panel.fieldConfig.defaults : undefined;
      if (!isObject(defaults) || !nonEmpty(defaults.unit))
        fail(`${path}.fieldConfig.defaults.unit`, 'missing');
    }
    const g = panel.gridPos;
    if (!isObject(g) || ![g.x, g.y, g.w, g.h].every(isInt))
      fail(`${path}.gridPos`, 'needs integer x, y, w, h');
    else {
      const [x, y, w, h] = [g.x, g.y, g.w, g.h] as number[] as [number, number, number, number];
      if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > GRID_COLUMNS)
        fail(`${path}.gridPos`, 'outside the 24-column grid');
      const overlapped = new Set<number>();
      for (let cx = x; cx < x + w; cx++)
        for (let cy = y; cy < y + h; cy++) {
          const other = cells.get(`${cx},${cy}`);
          if (other !== undefined) overlapped.add(other);
          else cells.set(`${cx},${cy}`, i);
        }
      for (const other of overlapped) fail(`${path}.gridPos`, `overlaps panels[${other}]`);
    }
    const ds = panel.datasource;
    if (!isObject(ds) || !nonEmpty(ds.uid) || !uids.has(ds.uid))
      fail(`${path}.datasource`, 'must name a provisioned uid');
    if (!Array.isArray(panel.targets) || panel.targets.length === 0) {
      fail(`${path}.targets`, 'must be non-empty');
      continue;
    }
    const refIds = new Set<string>();
    for (const [j, t] of (panel.targets as unknown[]).entries()) {
      const tp = `${path}.targets[${j}]`;
      if (!isObject(t) || !nonEmpty(t.refId) || !nonEmpty(t.expr)) {
        fail(tp, 'needs refId and expr');
        continue;
      }
      if (refIds.has(t.refId)) fail(tp, `duplicate refId ${t.refId}`);
      refIds.add(t.refId);
      if (isObject(t.datasource) && !uids.has(String(t.datasource.uid)))
        fail(`${tp}.datasource`, 'unknown uid');
      for (const m of t.expr.matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
        const name = m[1] ?? m[2] ?? '';
        if (!variables.has(name) && !BUILTIN_VARIABLES.has(name))
          fail(tp, `uses undefined variable $${name}`);
      }
    }
  }
  return problems;
}
