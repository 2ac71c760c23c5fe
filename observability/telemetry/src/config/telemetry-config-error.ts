/** A configuration value (option or environment variable) the SDK cannot use. Thrown at startup. */
export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';
  /** The variable or option, e.g. `OTEL_TRACES_SAMPLER_ARG`. */
  readonly variable: string;
  /** The offending value, as given. */
  readonly value: string;

  constructor(variable: string, value: string, expected: string) {
    super(`invalid ${variable}=${JSON.stringify(value)}: ${expected}`);
    this.variable = variable;
    this.value = value;
  }
}
