import type { WorkloadEnvVar } from '@opsight/contracts/workload';
import { DEFAULT_CONSOLE_PORT } from './guard-policy.js';

/**
 * The variables {@link resolveGuardPolicy} reads: every server that installs the guard accepts them, and
 * its workload descriptor spreads this table into its own `env`.
 */
export const HTTP_GUARD_ENV: Readonly<Record<string, WorkloadEnvVar>> = {
  OPSIGHT_ALLOWED_HOSTS: { description: 'Further Host names accepted, comma-separated' },
  OPSIGHT_ALLOWED_ORIGINS: { description: 'Further browser origins that may write, comma-separated' },
  OPSIGHT_CONSOLE_PORT: {
    description: "The console's port: its loopback origins may write",
    default: String(DEFAULT_CONSOLE_PORT),
  },
};
