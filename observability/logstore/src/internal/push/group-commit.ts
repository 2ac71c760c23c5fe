// Group commit: writes that arrive while the store is busy share the next transaction.
//
// A submitted write waits for the next turn of the event loop. Everything submitted by then (the pushes
// whose bodies finished decoding while a transaction was being written) is committed together by one call
// of `commit`, and each submitter is answered with its own result once that commit returned: nobody is
// acknowledged before the transaction holding its entries is durable. `commit` answers each request on its
// own (a result or an Error), so one request's failure is only its own.

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Most requests in one group; the rest wait for the next one. @default 64 */
  maxGroupSize?: number;
}

interface Waiting<Req, Res> {
  request: Req;
  resolve: (result: Res) => void;
  reject: (error: Error) => void;
}

export class GroupCommit<Req, Res> {
  private queue: Array<Waiting<Req, Res>> = [];
  private scheduled = false;
  private readonly maxGroupSize: number;

  /**
   * `commit` writes a group in one transaction and returns one result per request, in order, an Error
   * standing for a request that failed.
   */
  constructor(
    private readonly commit: (requests: Req[]) => Array<Res | Error>,
    options: GroupCommitOptions = {},
  ) {
    this.maxGroupSize = Math.max(1, options.maxGroupSize ?? 64);
  }

  /** Resolves with the request's result once the group holding it is committed; rejects with its error. */
  submit(request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Requests waiting for their group. */
  waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const group = this.queue.slice(0, this.maxGroupSize);
    this.queue = this.queue.slice(group.length);
    if (this.queue.length > 0) this.schedule();
    let results: Array<Res | Error>;
    try {
      results = this.commit(group.map((w) => w.request));
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      for (const w of group) w.reject(error);
      return;
    }
    group.forEach((w, i) => {
      const r = results[i];
      if (r instanceof Error) w.reject(r);
      else if (r === undefined) w.reject(new Error('group commit returned no result for a request'));
      else w.resolve(r);
    });
  }
}
