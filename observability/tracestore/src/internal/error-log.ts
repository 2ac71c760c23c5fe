// Where the trace store writes what its error answers leave out: a 500 (or a failed write) says only a
// stable code; the exception's message, stack and code go to one JSON log line on stderr, in the shape of
// the store's other log lines (timestamp, level, service, message).

/** Writes one log line about a failed request. */
export type ErrorLog = (fields: Record<string, unknown>) => void;

/** The fields of an exception worth logging: its message, its code (SQLite, errno) and its stack. */
export function errorFields(error: unknown): Record<string, unknown> {
  const e = error as { message?: unknown; code?: unknown; stack?: unknown };
  return {
    error: typeof e?.message === 'string' ? e.message : String(error),
    error_code: typeof e?.code === 'string' ? e.code : null,
    stack: typeof e?.stack === 'string' ? e.stack : null,
  };
}

/** One JSON line on stderr, level ERROR. */
export const stderrErrorLog: ErrorLog = (fields) => {
  process.stderr.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', service: 'tracestore', ...fields })}\n`,
  );
};
