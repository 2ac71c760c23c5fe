/**
 * One row of the fault table and its targets. A row's counts come from outside the component under fault:
 * what the client sent, what the component acknowledged (2xx), and what a query returns afterwards.
 * `null` marks a column that does not apply to the fault (a platform request is not stored, say).
 */

/** A target of one row, met or not, with what was measured against it. */
export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

export interface FaultRow {
  fault: string;
  /** Records (lines, spans, notifications, requests) the client sent. */
  sent: number;
  /** Of those, the ones the component acknowledged (for a file: written). */
  acknowledged: number;
  /** Acknowledged records found afterwards (distinct). */
  present: number | null;
  /** Acknowledged records not found afterwards. */
  lost: number | null;
  /** Records found more than once, counted beyond the first. */
  duplicated: number | null;
  /** Requests that got an error or no answer in time. */
  requestsFailed: number;
  /** Seconds from the fault's end until the path worked again (definition per fault); null: never. */
  recoverySeconds: number | null;
  targets: Target[];
  /** What the row measured, in a sentence (statuses seen, the receiver used, …). */
  note: string;
  /** Why the fault was not injected; a skipped row has no targets. */
  skipped?: string;
}

/** Target: every acknowledged record is present afterwards. */
export function noLoss(lost: number | null, what: string): Target {
  return { name: `0 acknowledged ${what} lost`, met: lost === 0, detail: `${lost ?? 'not counted'} lost` };
}

/** Target: nothing delivered twice. */
export function noDuplicates(duplicated: number | null, what: string): Target {
  return {
    name: `0 duplicate ${what}`,
    met: duplicated === 0,
    detail: `${duplicated ?? 'not counted'} duplicated`,
  };
}

/** Target: recovered within `bound` seconds of the fault's end. */
export function recoveredWithin(seconds: number | null, bound: number, what: string): Target {
  return {
    name: `${what} within ${bound} s of the fault's end`,
    met: seconds !== null && seconds <= bound,
    detail: seconds === null ? 'never recovered' : `${seconds.toFixed(1)} s`,
  };
}

/** Target: no more failed requests than the fault leaves no way to serve. */
export function failuresWithin(failed: number, allowed: number, why: string): Target {
  return {
    name: `requests failed only where the fault leaves no way to serve them (${why})`,
    met: failed <= allowed,
    detail: `${failed} failed, ${allowed} allowed`,
  };
}

/** True when the row was run and every target is met; a skipped row counts as met. */
export function atTarget(row: FaultRow): boolean {
  return row.skipped !== undefined || row.targets.every((t) => t.met);
}

/** A row for a fault that could not be injected here. */
export function skippedRow(fault: string, reason: string): FaultRow {
  return {
    fault,
    sent: 0,
    acknowledged: 0,
    present: null,
    lost: null,
    duplicated: null,
    requestsFailed: 0,
    recoverySeconds: null,
    targets: [],
    note: '',
    skipped: reason,
  };
}

/** Counts of records found by id: how many distinct acknowledged ids are present, lost, duplicated. */
export function countPresence(
  acknowledged: Iterable<number | string>,
  occurrences: Map<number | string, number>,
): { present: number; lost: number; duplicated: number } {
  let present = 0;
  let lost = 0;
  for (const id of acknowledged) {
    if ((occurrences.get(id) ?? 0) > 0) present++;
    else lost++;
  }
  let duplicated = 0;
  for (const n of occurrences.values()) if (n > 1) duplicated += n - 1;
  return { present, lost, duplicated };
}
