export { TELEMETRY_ENV, TELEMETRY_REGISTER_ENV } from './telemetry-env.js';
