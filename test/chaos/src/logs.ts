/**
 * Numbered log lines: pushed through the Loki push API, written into CRI files, and counted back by LogQL.
 * A line is `chaos <run> line <n>`; its timestamp is `base + n` microseconds, so each line has one
 * timestamp wherever it comes from and the store's exact-duplicate rule cannot hide a real duplicate.
 */

/** Nanoseconds since the epoch, now. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function lineText(run: string, n: number): string {
  return `chaos ${run} line ${n}`;
}

export function lineTs(baseNs: bigint, n: number): bigint {
  return baseNs + BigInt(n) * 1000n;
}

/** Outcome of one push: the HTTP status, or 0 when no answer came (refused, reset, timed out). */
export interface PushResult {
  status: number;
  body: string;
}

/** Pushes lines `from..to-1` of one stream as JSON. */
export async function pushLines(
  storeUrl: string,
  labels: Record<string, string>,
  run: string,
  baseNs: bigint,
  numbers: readonly number[],
  timeoutMs = 10_000,
): Promise<PushResult> {
  const body = JSON.stringify({
    streams: [{ stream: labels, values: numbers.map((n) => [String(lineTs(baseNs, n)), lineText(run, n)]) }],
  });
  try {
    const res = await fetch(`${storeUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: (err as Error).message };
  }
}

/**
 * How often each line number of `run` is stored in the streams `selector` picks, for lines 0..count-1.
 * Queries in windows of 4,000 lines (under the store's 5,000 entries per query), so nothing is cut.
 */
export async function countLines(
  storeUrl: string,
  selector: string,
  run: string,
  baseNs: bigint,
  count: number,
): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const pattern = new RegExp(`^chaos ${run} line (\\d+)(?: .*)?$`);
  const window = 4000;
  for (let first = 0; first < count; first += window) {
    const start = lineTs(baseNs, first);
    const end = lineTs(baseNs, first + window) - 1n;
    const params = new URLSearchParams({
      query: selector,
      start: String(start),
      end: String(end),
      limit: '5000',
      direction: 'forward',
    });
    const res = await fetch(`${storeUrl}/loki/api/v1/query_range?${params}`, {
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`query ${selector}: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { data: { result: { values: [string, string][] }[] } };
    let entries = 0;
    for (const stream of body.data.result) {
      for (const [, line] of stream.values) {
        entries++;
        const n = Number(pattern.exec(line)?.[1] ?? Number.NaN);
        if (n >= first && n < first + window) found.set(n, (found.get(n) ?? 0) + 1);
      }
    }
    if (entries >= 5000) throw new Error(`query ${selector}: a window returned ${entries} entries (cut)`);
  }
  return found;
}

/** The value of an unlabelled gauge in a Prometheus text exposition; undefined when absent. */
export function gaugeValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{\\})? ([^\\s]+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function queryRange(storeUrl: string, params: URLSearchParams): Promise<[string, string][]> {
  const res = await fetch(`${storeUrl}/loki/api/v1/query_range?${params}`, {
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`query ${params.get('query')}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { data: { result: { values: [string, string][] }[] } };
  return body.data.result.flatMap((s) => s.values);
}

function lineNumber(run: string): (line: string) => number | undefined {
  const pattern = new RegExp(`^chaos ${run} line (\\d+)(?: .*)?$`);
  return (line) => {
    const m = pattern.exec(line);
    return m ? Number(m[1]) : undefined;
  };
}

/**
 * How often each line number of `run` is stored in the streams `selector` picks, for lines stamped in
 * [startNs, endNs] (whatever their numbers). Pages forward 5,000 entries at a time; lines have distinct
 * timestamps (a copy of a line with the same timestamp is stored once), so no page boundary cuts one.
 */
export async function linesBetween(
  storeUrl: string,
  selector: string,
  run: string,
  startNs: bigint,
  endNs: bigint,
): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const number = lineNumber(run);
  let from = startNs;
  for (;;) {
    const params = new URLSearchParams({
      query: selector,
      start: String(from),
      end: String(endNs),
      limit: '5000',
      direction: 'forward',
    });
    const values = await queryRange(storeUrl, params);
    let last = from;
    for (const [ts, line] of values) {
      const n = number(line);
      if (n !== undefined) found.set(n, (found.get(n) ?? 0) + 1);
      if (BigInt(ts) > last) last = BigInt(ts);
    }
    if (values.length < 5000) return found;
    from = last + 1n;
  }
}

/** The highest line number of `run` stored in the streams `selector` picks since `sinceNs`. */
export async function newestLine(
  storeUrl: string,
  selector: string,
  run: string,
  sinceNs: bigint,
): Promise<number | undefined> {
  const params = new URLSearchParams({
    query: selector,
    start: String(sinceNs),
    end: String(nowNs() + 600_000_000_000n),
    limit: '20',
    direction: 'backward',
  });
  const number = lineNumber(run);
  let newest: number | undefined;
  for (const [, line] of await queryRange(storeUrl, params)) {
    const n = number(line);
    if (n !== undefined && (newest === undefined || n > newest)) newest = n;
  }
  return newest;
}
