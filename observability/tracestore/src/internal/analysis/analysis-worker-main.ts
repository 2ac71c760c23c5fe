// Entry of an analysis thread (see analysis-pool.ts).
import { serveAnalysis } from './analysis-worker.js';

serveAnalysis();
