// The `stats` block each query's response carried (Loki's `data.stats`: summary, querier.store, …), printed
// as a second table: what each query read. Only what the store returns is printed: Loki's usual fields under
// short names where some query has them non-zero, then any other field by its path where it tells the
// queries apart (a field with one value for every query, such as ingester.totalReached, is left out).

/** Loki's fields worth a column, by path in `data.stats`, with their column titles. */
const KNOWN: ReadonlyArray<readonly [path: string, title: string]> = [
  ['summary.totalLinesProcessed', 'lines processed'],
  ['summary.totalBytesProcessed', 'bytes processed'],
  ['summary.totalEntriesReturned', 'entries returned'],
  ['querier.store.totalChunksRef', 'chunks referenced'],
  ['querier.store.totalChunksDownloaded', 'chunks downloaded'],
  ['querier.store.chunk.headChunkLines', 'head lines'],
  ['querier.store.chunk.headChunkBytes', 'head bytes'],
  ['querier.store.chunk.decompressedLines', 'decompressed lines'],
  ['querier.store.chunk.decompressedBytes', 'decompressed bytes'],
  ['querier.store.chunk.compressedBytes', 'compressed bytes'],
  ['querier.store.chunk.postFilterLines', 'lines after filters'],
  ['summary.execTime', 'exec time, s'],
];

/** Derived figures left out: rates of the fields above. */
const DERIVED = /PerSecond$/;

/** The numeric leaves of a stats block by dotted path, in the block's order. */
export function numericFields(block: unknown, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return out;
  for (const [k, v] of Object.entries(block)) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'number' && Number.isFinite(v)) out.set(path, v);
    else for (const [p, n] of numericFields(v, path)) out.set(p, n);
  }
  return out;
}

const cellText = (v: number | undefined) =>
  v === undefined ? '' : Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(3);

/** The stats of the queries of one run, by query. */
export class QueryStatsTable {
  private readonly rows = new Map<string, Map<string, number>>();

  /** Records the `data.stats` a query's response carried (absent: recorded as empty). */
  add(query: string, stats: unknown): void {
    this.rows.set(query, numericFields(stats));
  }

  /** The columns to print: the known fields non-zero for some query, then the others that vary. */
  private columns(): Array<readonly [string, string]> {
    const values = new Map<string, Set<number>>();
    for (const fields of this.rows.values())
      for (const [path, v] of fields) {
        const seen = values.get(path) ?? new Set();
        seen.add(v);
        values.set(path, seen);
      }
    const nonZero = (p: string) => [...(values.get(p) ?? [])].some((v) => v !== 0);
    const known = new Set(KNOWN.map(([p]) => p));
    const others = [...values.keys()]
      .filter((p) => !known.has(p) && !DERIVED.test(p) && values.get(p)!.size > 1)
      .map((p) => [p, p] as const);
    return [...KNOWN.filter(([p]) => nonZero(p)), ...others];
  }

  /** A Markdown table, one row per query; a sentence instead when no query returned any statistic. */
  table(): string {
    const columns = this.columns();
    if (columns.length === 0) return 'The store returned no query statistics.';
    const head = ['query', ...columns.map(([, title]) => title)];
    const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
    for (const [query, fields] of this.rows) {
      const cells = [query, ...columns.map(([path]) => cellText(fields.get(path)))];
      lines.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
    }
    return lines.join('\n');
  }
}
