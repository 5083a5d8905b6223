// The per-socket protocol's words and numbers on the proxy's side (js/proxy/tunnel-codes.js): read
// from Node's module (`tunnelCodes()`, src/tunnel/codes.rs), they are the protocol's
// (docs/proxy-protocol.md, typed here as the test's own oracle), and no proxy file types them again.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { CLOSE, CODE, REASON, TYPE } from '../../js/proxy/tunnel-codes.js';

test('the words and numbers JS reads are the protocol\'s', () => {
  assert.deepEqual({ ...TYPE }, {
    CONNECTED: 'connected', LISTENING: 'listening', INCOMING: 'incoming', FROM: 'from', TO: 'to',
    END: 'end', PAUSE: 'pause', RESUME: 'resume', ERROR: 'error',
  });
  assert.deepEqual({ ...CODE }, {
    TARGET_DENIED: 'TargetDenied', NO_DESTINATION: 'NoDestination', NOT_BOUND: 'NotBound',
    BAD_MESSAGE: 'BadMessage', UNKNOWN: 'UnknownSocket',
  });
  assert.deepEqual({ ...REASON }, { TIMED_OUT: 'ETIMEDOUT', ABORTED: 'ECONNABORTED', SHUTDOWN: 'shutdown' });
  assert.deepEqual({ ...CLOSE }, {
    NORMAL: 1000, GOING_AWAY: 1001, PROTOCOL_ERROR: 1002, UNSUPPORTED_DATA: 1003, NO_STATUS: 1005,
    ABNORMAL: 1006, INVALID_PAYLOAD: 1007, TOO_BIG: 1009, MISSING_EXTENSION: 1010, ERROR: 1011,
  });
  for (const group of [TYPE, CODE, REASON, CLOSE]) assert.ok(Object.isFrozen(group));
});

test('no proxy file types a close code or one of the proxy\'s own codes', () => {
  const dir = new URL('../../js/proxy/', import.meta.url);
  const typed = /\bclose\(\s*1\d{3}\b|code: 1\d{3}\b|'(TargetDenied|NoDestination|NotBound|BadMessage|UnknownSocket)'/;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    const lines = readFileSync(new URL(name, dir), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
      assert.doesNotMatch(line, typed, `${name}:${i + 1}`);
    });
  }
});
