import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/logging/logger.js';
import { isSecretKey, redactText } from '../../src/logging/redaction.js';
import { LineCapture } from '../../src/testing.js';

const KEY = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
const PLAIN = 'c2VjcmV0LXZhbHVlLTEyMzQ1Njc4OQ'; // a key without a recognizable prefix

test('an API key logged in ten different ways never appears in the output', () => {
  const capture = new LineCapture();
  const logger = createLogger({ service: 'api-service', destination: capture, level: 'debug' });
  // 1. as a field named like a key
  logger.info({ apiKey: KEY }, 'auth');
  // 2. in an Authorization header object
  logger.info({ headers: { Authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } }, 'request');
  // 3. inside the message text
  logger.warn(`rejected key ${KEY} for user 7`);
  // 4. as a printf argument
  logger.info('key %s expired', KEY);
  // 5. in a child logger's bindings
  logger.child({ api_key: PLAIN }).info('child');
  // 6. inside an error message (and so its stack)
  logger.error(new Error(`invalid api key: ${KEY}`), 'auth failed');
  // 7. deep inside nested arrays and objects
  logger.debug({ batch: [{ request: { meta: [KEY] } }] }, 'nested');
  // 8. as URL credentials / a connection string
  logger.info(
    {
      upstream: `https://user:${PLAIN}@api.example.com/v1`,
      db: `postgres://app:${PLAIN}@127.0.0.1:5433/opsight`,
    },
    'config',
  );
  // 9. under an X-API-Key header and a query string
  logger.info({ 'X-API-Key': PLAIN, url: `/v1/models?api_key=${PLAIN}&limit=5` }, 'proxy');
  // 10. as a password field and a Map entry
  logger.info({ password: PLAIN, settings: new Map([['client_secret', PLAIN]]) }, 'settings');

  assert.equal(capture.lines.length, 10);
  const output = capture.lines.join('\n');
  assert.equal(output.includes(KEY), false, output);
  assert.equal(output.includes(PLAIN), false, output);
  assert.equal(output.includes('4f9a8b7c6d5e'), false);
  // The rest of each line is kept.
  const records = capture.records();
  assert.equal((records[1]!.headers as Record<string, string>)['content-type'], 'application/json');
  assert.equal(records[2]!.message, 'rejected key [REDACTED] for user 7');
  assert.match(records[7]!.db as string, /^postgres:\/\/app:\[REDACTED\]@127\.0\.0\.1:5433\/opsight$/);
  assert.match(records[8]!.url as string, /limit=5$/);
});

test('secret key names are recognized however they are spelled; token counts are not secrets', () => {
  for (const key of [
    'Authorization',
    'x-api-key',
    'API_KEY',
    'apiKey',
    'db_password',
    'clientSecret',
    'refresh_token',
    'Cookie',
  ]) {
    assert.equal(isSecretKey(key), true, key);
  }
  for (const key of ['input_tokens', 'output_tokens', 'model_name', 'key_id', 'status']) {
    assert.equal(isSecretKey(key), false, key);
  }
});

test('value patterns: bearer tokens, sk- keys, URL credentials, JWTs, key=value pairs', () => {
  assert.equal(redactText('Authorization: Bearer abc.def-123'), 'Authorization: [REDACTED] [REDACTED]');
  assert.equal(redactText('token sk-proj-abcdefgh12'), 'token [REDACTED]');
  assert.equal(redactText('redis://:hunter2@127.0.0.1:6380/0'), 'redis://:[REDACTED]@127.0.0.1:6380/0');
  assert.equal(redactText('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_nature'), 'jwt [REDACTED]');
  assert.equal(redactText('password=hunter2 user=bob'), 'password=[REDACTED] user=bob');
  assert.equal(redactText('plain text with no secrets'), 'plain text with no secrets');
});
