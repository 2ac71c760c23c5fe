// Where the slow test worker (slow-worker.ts) reports its stream reads, and how long each takes.
export const READS_CHANNEL = 'slow-worker-reads';
export const READ_MS = 10;
