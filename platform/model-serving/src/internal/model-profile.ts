/** How one simulated model behaves. Delays are in milliseconds. */
export interface ModelProfile {
  /** Model name served (the `model` of requests and of `GET /v1/models`). */
  name: string;
  /** Time to first token. @default 0 */
  ttftMs: number;
  /** Time per further token. @default 0 */
  tokenMs: number;
  /** Each delay varies uniformly by ± this fraction of itself (0 to 1). @default 0 */
  jitter: number;
  /** Fewest completion tokens when `max_tokens` does not cut earlier. @default 8 */
  minTokens: number;
  /** Most completion tokens when `max_tokens` does not cut earlier. @default 32 */
  maxTokens: number;
}

/**
 * Built-in profiles, named for their role in the local stack: a fast chat model, a slower large model,
 * a small model used as fallback, and `instant` (no delay; benchmarks and tests).
 *
 * Every preset answers a completion well under half a second (at most about 0.4 s with its jitter), so that
 * the local stack's steady background traffic keeps p99 latency under the 1 s alert threshold
 * (docs/architecture.md, 1.3): with histogram buckets at 0.25, 0.5 and 1 s, a third of the traffic between
 * 0.5 and 1 s would already put the estimated p99 near 1 s. Slowness is a deliberate fault: the instance's
 * fault switch (`latencyMs`), which `opsight load slow-model` sets on the large model for its run.
 */
export const PROFILE_PRESETS = {
  fast: { ttftMs: 40, tokenMs: 7, jitter: 0.2, minTokens: 8, maxTokens: 48 },
  large: { ttftMs: 100, tokenMs: 9, jitter: 0.3, minTokens: 8, maxTokens: 32 },
  small: { ttftMs: 20, tokenMs: 5, jitter: 0.1, minTokens: 4, maxTokens: 24 },
  instant: { ttftMs: 0, tokenMs: 0, jitter: 0, minTokens: 8, maxTokens: 32 },
} as const satisfies Record<string, Omit<ModelProfile, 'name'>>;

export type ProfilePreset = keyof typeof PROFILE_PRESETS;

/** Thrown for an invalid profile option; `field` names it. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A profile from a preset with overrides; throws {@link ProfileError} for a bad value. */
export function modelProfile(
  name: string,
  preset: string = 'fast',
  overrides: Partial<Omit<ModelProfile, 'name'>> = {},
): ModelProfile {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(name))
    throw new ProfileError('name', `${JSON.stringify(name)} is not a model name`);
  if (!Object.hasOwn(PROFILE_PRESETS, preset))
    throw new ProfileError('profile', `expected one of ${Object.keys(PROFILE_PRESETS).join(', ')}`);
  const p: ModelProfile = { name, ...PROFILE_PRESETS[preset as ProfilePreset], ...overrides };
  for (const field of ['ttftMs', 'tokenMs'] as const)
    if (!(Number.isFinite(p[field]) && p[field] >= 0 && p[field] <= 600_000))
      throw new ProfileError(field, 'expected milliseconds from 0 to 600000');
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw new ProfileError('jitter', 'expected a fraction from 0 to 1');
  for (const field of ['minTokens', 'maxTokens'] as const)
    if (!(Number.isInteger(p[field]) && p[field] >= 1 && p[field] <= 32_768))
      throw new ProfileError(field, 'expected an integer from 1 to 32768');
  if (p.minTokens > p.maxTokens) throw new ProfileError('minTokens', 'must not exceed maxTokens');
  return p;
}
