export type { Figure } from './driver-comparison.js';
export {
  DriverComparison,
  driversInRound,
  driversToMeasure,
  EVEN_WITHIN,
} from './driver-comparison.js';
export { processCpuSeconds, processRssBytes } from './process-cpu.js';
