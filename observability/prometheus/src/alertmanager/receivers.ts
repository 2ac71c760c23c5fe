import { readFileSync } from 'node:fs';

/**
 * Alertmanager's native email receiver (`email_configs`). Enabled by setting any of its variables; then every
 * required one must be set (see {@link EMAIL_VARIABLES}).
 */
export interface EmailReceiver {
  /** Where notifications go (comma-separated addresses allowed). */
  readonly to: string;
  readonly from: string;
  /** SMTP server, `host:port`. */
  readonly smarthost: string;
  /** SMTP login. @default the `from` address */
  readonly authUsername: string;
  /**
   * File holding the SMTP password, as Alertmanager reads it (`auth_password_file`, Alertmanager 0.25 and
   * later): the password itself never appears in the configuration.
   */
  readonly authPasswordFile: string;
  /** STARTTLS required. @default true */
  readonly requireTls: boolean;
}

/**
 * Alertmanager's native WeCom (企业微信) receiver (`wechat_configs`): an application message sent by a WeCom
 * application (`agent_id`) of an organisation (`corp_id`) to departments and/or users.
 */
export interface WecomReceiver {
  readonly corpId: string;
  readonly agentId: string;
  /** Department ids, `|`-separated. */
  readonly toParty?: string;
  /** User ids, `|`-separated, or `@all`. */
  readonly toUser?: string;
  /**
   * The application's secret, read from a file at render time: Alertmanager has no `api_secret_file` for
   * WeCom (0.25 to 0.28), so the rendered configuration holds it and is itself a secret (written mode 0600
   * locally, a Secret in Kubernetes).
   */
  readonly apiSecret: string;
  /** WeCom API base. @default Alertmanager's, https://qyapi.weixin.qq.com/cgi-bin/ */
  readonly apiUrl?: string;
}

/** The optional native receivers; each is left out of the configuration when it is not configured. */
export interface NativeReceivers {
  readonly email?: EmailReceiver;
  readonly wecom?: WecomReceiver;
}

/** Environment variables of the email receiver. */
export const EMAIL_VARIABLES = {
  to: 'OPSIGHT_ALERT_EMAIL_TO',
  from: 'OPSIGHT_ALERT_EMAIL_FROM',
  smarthost: 'OPSIGHT_ALERT_SMTP_SMARTHOST',
  authUsername: 'OPSIGHT_ALERT_SMTP_USERNAME',
  authPasswordFile: 'OPSIGHT_ALERT_SMTP_PASSWORD_FILE',
  requireTls: 'OPSIGHT_ALERT_SMTP_REQUIRE_TLS',
} as const;

/** Environment variables of the WeCom receiver. */
export const WECOM_VARIABLES = {
  corpId: 'OPSIGHT_ALERT_WECOM_CORP_ID',
  agentId: 'OPSIGHT_ALERT_WECOM_AGENT_ID',
  toParty: 'OPSIGHT_ALERT_WECOM_TO_PARTY',
  toUser: 'OPSIGHT_ALERT_WECOM_TO_USER',
  apiSecretFile: 'OPSIGHT_ALERT_WECOM_API_SECRET_FILE',
  apiUrl: 'OPSIGHT_ALERT_WECOM_API_URL',
} as const;

/** A receiver that is configured but cannot work: `receiver` and `variable` name what is wrong. */
export class AlertReceiverError extends Error {
  override readonly name = 'AlertReceiverError';
  constructor(
    readonly receiver: 'email' | 'wecom',
    readonly variable: string,
    reason: string,
  ) {
    super(`Alertmanager receiver ${receiver}: ${reason}`);
  }
}

/** How {@link nativeReceiversFromEnv} treats secret files. */
export interface ReceiverEnvOptions {
  /**
   * Check that the SMTP password file is readable and not empty. Leave on where Alertmanager runs on this
   * machine (the local stack); turn off when the path is where the file will be mounted in Alertmanager's
   * container.
   * @default true
   */
  readonly checkPasswordFile?: boolean;
}

/**
 * The email and WeCom receivers configured in `env` (variables {@link EMAIL_VARIABLES} and
 * {@link WECOM_VARIABLES}). A receiver none of whose variables is set is left out. Throws
 * {@link AlertReceiverError} naming the receiver and the variable when a configured receiver lacks a required
 * value or its secret (no password or API secret file, a file that cannot be read, an empty one).
 */
export function nativeReceiversFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: ReceiverEnvOptions = {},
): NativeReceivers {
  return { email: emailFromEnv(env, options), wecom: wecomFromEnv(env) };
}

const value = (env: NodeJS.ProcessEnv, name: string) => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

function required(
  receiver: 'email' | 'wecom',
  env: NodeJS.ProcessEnv,
  variable: string,
  what: string,
): string {
  const v = value(env, variable);
  if (!v) throw new AlertReceiverError(receiver, variable, `${what} is missing: set ${variable}`);
  return v;
}

function readSecret(receiver: 'email' | 'wecom', variable: string, path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AlertReceiverError(
      receiver,
      variable,
      `${what} file ${path} (${variable}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const secret = text.trim();
  if (!secret)
    throw new AlertReceiverError(receiver, variable, `${what} file ${path} (${variable}) is empty`);
  return secret;
}

function emailFromEnv(env: NodeJS.ProcessEnv, options: ReceiverEnvOptions): EmailReceiver | undefined {
  const v = EMAIL_VARIABLES;
  if (!Object.values(v).some((name) => value(env, name))) return undefined;
  const to = required('email', env, v.to, 'its recipient address');
  const from = required('email', env, v.from, 'its sender address');
  const smarthost = required('email', env, v.smarthost, 'its SMTP server (host:port)');
  if (!/^[^\s:]+:\d+$/.test(smarthost)) {
    throw new AlertReceiverError(
      'email',
      v.smarthost,
      `its SMTP server must be host:port, not "${smarthost}" (${v.smarthost})`,
    );
  }
  const authPasswordFile = required('email', env, v.authPasswordFile, 'its SMTP password');
  if (options.checkPasswordFile ?? true)
    readSecret('email', v.authPasswordFile, authPasswordFile, 'its SMTP password');
  const tls = value(env, v.requireTls) ?? 'true';
  if (tls !== 'true' && tls !== 'false') {
    throw new AlertReceiverError(
      'email',
      v.requireTls,
      `${v.requireTls} must be true or false, not "${tls}"`,
    );
  }
  return {
    to,
    from,
    smarthost,
    authUsername: value(env, v.authUsername) ?? from,
    authPasswordFile,
    requireTls: tls === 'true',
  };
}

function wecomFromEnv(env: NodeJS.ProcessEnv): WecomReceiver | undefined {
  const v = WECOM_VARIABLES;
  if (!Object.values(v).some((name) => value(env, name))) return undefined;
  const corpId = required('wecom', env, v.corpId, 'its corp id');
  const agentId = required('wecom', env, v.agentId, 'its application (agent) id');
  const toParty = value(env, v.toParty);
  const toUser = value(env, v.toUser);
  if (!toParty && !toUser) {
    throw new AlertReceiverError(
      'wecom',
      v.toParty,
      `it has no recipients: set ${v.toParty} (departments) or ${v.toUser} (users, or @all)`,
    );
  }
  const secretFile = required('wecom', env, v.apiSecretFile, 'its application secret');
  const apiSecret = readSecret('wecom', v.apiSecretFile, secretFile, 'its application secret');
  const apiUrl = value(env, v.apiUrl);
  if (apiUrl && !/^https?:\/\/\S+\/$/.test(apiUrl)) {
    throw new AlertReceiverError(
      'wecom',
      v.apiUrl,
      `${v.apiUrl} must be an http(s) URL ending in /, not "${apiUrl}"`,
    );
  }
  return {
    corpId,
    agentId,
    ...(toParty ? { toParty } : {}),
    ...(toUser ? { toUser } : {}),
    apiSecret,
    ...(apiUrl ? { apiUrl } : {}),
  };
}
