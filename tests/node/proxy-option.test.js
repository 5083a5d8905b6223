// In Node kvsocket connects directly: a `proxy` option would be ignored, so the constructor
// refuses it with a TypeError (docs/spec.md, Construction and lifetime) instead of ignoring it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'kvsocket';

test('new Socket({ proxy }) throws TypeError in Node, naming the option', () => {
  for (const proxy of ['ws://127.0.0.1:8081/?host={host}&port={port}', '', null]) {
    assert.throws(() => new Socket({ proxy }), (e) => e instanceof TypeError && /proxy option is for browsers/.test(e.message), `proxy: ${proxy}`);
  }
  class Sub extends Socket {}
  assert.throws(() => new Sub({ proxy: 'ws://127.0.0.1:6080/' }), TypeError);
});

test('options without proxy (or with proxy undefined) still make a socket', () => {
  const s = new Socket({ proxy: undefined, connectTimeout: 1000 });
  assert.equal(s.status(), 0);
  assert.equal(s.connectTimeout(), 1000);
  s.destroy();
});
