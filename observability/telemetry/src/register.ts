// `node --import @opsight/telemetry/register app.js`: starts telemetry before the application's code.
// Reads the service from OTEL_SERVICE_NAME, its version from OPSIGHT_SERVICE_VERSION (else the npm
// package version) and namespace from OPSIGHT_SERVICE_NAMESPACE; everything else from OTEL_* as usual.
// The application gets the same instance with getTelemetry() (or initTelemetry with the same service).
import { TelemetryConfigError } from './config/telemetry-config-error.js';
import { initTelemetry } from './telemetry.js';

const service = process.env.OTEL_SERVICE_NAME;
if (!service) {
  throw new TelemetryConfigError('OTEL_SERVICE_NAME', '', 'required by @opsight/telemetry/register');
}
initTelemetry({
  service,
  version: process.env.OPSIGHT_SERVICE_VERSION ?? process.env.npm_package_version,
  namespace: process.env.OPSIGHT_SERVICE_NAMESPACE,
});
