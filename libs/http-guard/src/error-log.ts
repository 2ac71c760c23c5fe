// Where a server writes what its error answers leave out: a 500 (or a 503, or a failed write) says only a
// stable code; the exception's message, code and stack go to one JSON log line on stderr, in the shape of
// Opsight's log lines (timestamp, level, service, message).

/** Writes one log line about a failed request or write. */
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

/** An {@link ErrorLog} writing one JSON line on stderr, level ERROR, naming `service`. */
export function stderrErrorLog(service: string): ErrorLog {
  return (fields) => {
    process.stderr.write(
      `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', service, ...fields })}\n`,
    );
  };
}
