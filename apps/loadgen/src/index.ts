export { readKeyFile, waitForKeyFile } from './api-key.js';
export type { Credentials, RequestOutcome } from './client/send-request.js';
export { sendRequest } from './client/send-request.js';
export { parseDuration } from './duration.js';
export type { GroundTruth, Percentiles } from './ground-truth.js';
export { GroundTruthRecorder, quantile } from './ground-truth.js';
export type { LoadOptions } from './run-load.js';
export { LoadConfigError, listModels, runLoad } from './run-load.js';
export type {
  KeyChoice,
  PlannedRequest,
  RequestKind,
  Scenario,
  ScenarioContext,
  ScenarioName,
} from './scenarios.js';
export { SCENARIO_NAMES, SCENARIOS, scenario, seededRandom } from './scenarios.js';
