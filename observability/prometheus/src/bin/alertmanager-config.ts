#!/usr/bin/env node
// Prints the Alertmanager configuration of a deployment with the email and WeCom receivers configured in the
// environment (OPSIGHT_ALERT_*; observability/prometheus/README.md), for the alertmanager-config Secret
// (Kubernetes) or the file compose mounts. Exits 1 with a message naming the receiver that lacks its secret.
//   --relay host:port            the alert relay (default alert-relay:9096)
//   --password-file-in-container the SMTP password file path is where Alertmanager's container mounts it:
//                                do not look for it on this machine
import { parseArgs } from 'node:util';
import { RELAY_SERVICE_ADDRESS, renderAlertmanagerConfig } from '../alertmanager/alertmanager-config.js';
import { AlertReceiverError, nativeReceiversFromEnv } from '../alertmanager/receivers.js';

try {
  const { values } = parseArgs({
    options: {
      relay: { type: 'string', default: RELAY_SERVICE_ADDRESS },
      'password-file-in-container': { type: 'boolean', default: false },
    },
  });
  if (!/^[^\s/:]+:\d+$/.test(values.relay)) throw new Error(`--relay ${values.relay}: expected host:port`);
  const receivers = nativeReceiversFromEnv(process.env, {
    checkPasswordFile: !values['password-file-in-container'],
  });
  process.stdout.write(renderAlertmanagerConfig({ relayAddress: values.relay, receivers }));
} catch (e) {
  process.stderr.write(
    `alertmanager-config: ${e instanceof AlertReceiverError ? e.message : (e as Error).message}\n`,
  );
  process.exit(1);
}
