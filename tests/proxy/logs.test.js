// What the proxy logs, and the token (issue 18, 8): every line has its control characters
// escaped and is cut to LINE_MAX, lines beyond RATE a second are counted in one "suppressed"
// line, a token is hidden in every spelling a client may send, and /wisp/ never answers with a
// token subprotocol.

import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { LINE_MAX, RATE, logLine } from '../../js/proxy/log.js';
import { redact } from '../../js/proxy/token.js';
import { T, mustOpen, openWs, proxy, sleep, tcpUrl, waitUntil } from './helpers.js';
import { CLOSE, wispSession } from './wisp-client.js';

const TOKEN = 'sekrit-token-0123456789';

test('logLine escapes control characters (newline, CR, ESC, NUL, DEL, C1, U+2028) and cuts long lines', () => {
  assert.equal(logLine('a\nb\rc\x1b[31md\x00e\x7ff\x9bg\u2028h'), 'a\\x0ab\\x0dc\\x1b[31md\\x00e\\x7ff\\x9bg\\u2028h');
  const long = logLine(`host ${'x'.repeat(250_000)}`);
  assert.ok(long.length < LINE_MAX + 40, `${long.length} characters`);
  assert.match(long, /… \(cut: 250005 characters in all\)$/);
  assert.match(logLine('\n'.repeat(LINE_MAX)), /^(\\x0a){256}… \(cut: 1024 characters in all\)$/, 'cut after escaping too');
});

test('logLine takes linear time on what a client may send (256 KiB of separators)', () => {
  for (const text of ['?'.repeat(256 << 10), '&'.repeat(256 << 10), `?${'a'.repeat(256 << 10)}`, '?a=b'.repeat(64 << 10)]) {
    const start = process.hrtime.bigint();
    logLine(text);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 200, `${JSON.stringify(text.slice(0, 4))}…: ${ms.toFixed(0)} ms`);
  }
});

test('redact hides a token in every spelling', () => {
  for (const spelling of [
    `/?host=a&port=1&token=${TOKEN}`,
    `/?%74oken=${TOKEN}&host=a`,
    `/?to%6Ben=${TOKEN}`,
    `/?TOKEN=${TOKEN}`,
    `/?Token=x&token=${TOKEN}`,
    `/wisp/?token=${TOKEN}`,
    `/?host=a;token=${TOKEN}`,
    `subprotocol 'binary, kvsocket-token.${TOKEN}' offered`,
    `subprotocol 'KVSocket-Token.${TOKEN}, binary' offered`,
  ]) {
    const shown = redact(spelling);
    assert.ok(!shown.includes(TOKEN.slice(0, 8)), `${spelling} -> ${shown}`);
    assert.match(shown, /…/, spelling);
  }
  assert.equal(redact('/?host=irc.example&port=6667'), '/?host=irc.example&port=6667');
});

test('a token is never logged, however the client spelled it', T, async (t) => {
  const p = await proxy(t, { tokens: [TOKEN], allow: ['127.0.0.1:1'] });
  const base = `${p.url}?host=127.0.0.1&port=2`; // denied: the refusal logs the URL
  for (const [url, protocols] of [
    [`${base}&%74oken=${TOKEN}`, ['binary']],
    [`${base}&token=${TOKEN}&token=${TOKEN}`, ['binary']],
    [`${base}&TOKEN=${TOKEN}`, ['binary']], // not a token to the proxy (401), still hidden
    [base, ['binary', `kvsocket-token.${TOKEN}`]],
    [base, [`KVSOCKET-TOKEN.${TOKEN}`]], // refused for its subprotocol, which the log names
  ]) {
    const r = await openWs(t, url, { protocols });
    assert.ok(r.refused, url);
    assert.ok(!r.refused.body.includes(TOKEN), `the answer to ${url} echoes the token: ${r.refused.body}`);
  }
  await waitUntil(() => p.lines.length >= 5, 'the refusals logged');
  for (const line of p.lines) assert.ok(!line.includes(TOKEN.slice(0, 8)), line);
});

test('a Wisp CONNECT host with newlines and ESC is logged escaped, on one bounded line', T, async (t) => {
  const p = await proxy(t, { allow: ['127.0.0.1:1'] });
  const w = await wispSession(t, p);
  w.connect(1, 'evil.test\nkvsocket-proxy: forged line\x1b[2J', 2);
  w.connect(2, `${'a'.repeat(200_000)}.test`, 2);
  await w.closeOf(1);
  await w.closeOf(2);
  await waitUntil(() => p.lines.length >= 2, 'two lines');
  for (const line of p.lines) {
    assert.ok(!/[\x00-\x1f\x7f]/.test(line), JSON.stringify(line.slice(0, 200)));
    assert.ok(line.length < LINE_MAX + 40, `${line.length} characters`);
  }
  assert.ok(p.lines.some((l) => l.includes('evil.test\\x0akvsocket-proxy: forged line\\x1b[2J')), p.lines.join('\n'));
});

test(`refusals are logged at most ${RATE} a second; the rest are counted in one line`, T, async (t) => {
  const p = await proxy(t, { allow: ['127.0.0.1:1'] });
  const w = await wispSession(t, p);
  const started = Date.now();
  for (let id = 1; id <= 100; id++) w.connect(id, '127.0.0.1', 2);
  await w.closeOf(100);
  const seconds = Math.ceil((Date.now() - started) / 1000); // 1 unless the machine is very busy
  assert.equal(w.of(100)[0].reason, CLOSE.BLOCKED);
  const refusals = () => p.lines.filter((l) => /refused/.test(l)).length;
  const suppressed = () => p.lines.map((l) => /^suppressed (\d+) log lines/.exec(l)).reduce((n, m) => n + (m ? Number(m[1]) : 0), 0);
  assert.ok(refusals() <= RATE * (seconds + 1), `${refusals()} refusal lines in ${seconds} s`);
  await waitUntil(() => refusals() + suppressed() === 100, 'every refusal logged or counted', 3000);
  assert.ok(suppressed() >= 100 - RATE * (seconds + 1), p.lines.join('\n'));
  // A second later lines go out again.
  const before = refusals();
  await sleep(1000);
  w.connect(101, '127.0.0.1', 2);
  await w.closeOf(101);
  await waitUntil(() => refusals() === before + 1, 'a refusal logged again');
});

/** A raw /wisp/ upgrade offering `protocols`: the answer's headers and the first packet's type. */
function rawWispUpgrade(p, protocols) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(p.port, '127.0.0.1');
    let got = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const at = got.indexOf('\r\n\r\n');
      if (at < 0 || got.length < at + 4 + 3) return;
      sock.destroy();
      const head = got.subarray(0, at).toString();
      const frame = got.subarray(at + 4);
      resolve({ head, firstType: frame[2] });
    });
    sock.write(`GET /wisp/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
      + `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n\r\n`);
  });
}

test('/wisp/ never answers with a token subprotocol: the first other one, or none (v1) if the token was the only offer', T, async (t) => {
  const p = await proxy(t, { tokens: [TOKEN] });
  const first = await mustOpen(t, `${p.url}wisp/`, { protocols: [`kvsocket-token.${TOKEN}`, 'wisp-v2'] });
  assert.equal(first.protocol, 'wisp-v2');
  const only = await rawWispUpgrade(p, [`kvsocket-token.${TOKEN}`]);
  assert.match(only.head, /^HTTP\/1\.1 101/);
  assert.doesNotMatch(only.head, /sec-websocket-protocol/i, 'no subprotocol in the answer');
  assert.equal(only.firstType, 3, 'a v1 session: the CONTINUE on stream 0 comes first (v2 would send INFO)');
  const v2 = await rawWispUpgrade(p, ['wisp-v2', `kvsocket-token.${TOKEN}`]);
  assert.match(v2.head, /sec-websocket-protocol: wisp-v2/i);
  assert.equal(v2.firstType, 5, 'a v2 session starts with INFO');
  assert.equal((await openWs(t, tcpUrl(p, '127.0.0.1', 1), { protocols: ['binary'] })).refused?.status, 401);
});
