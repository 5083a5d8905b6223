// The command line: the parser as a unit, and the bin started for real once.

import test from 'node:test';
import os from 'node:os';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCli } from '../../js/proxy/args.js';
import { T, closed, echoServer, mustOpen, withTimeout } from './helpers.js';

test('parseCli: the documented example', () => {
  const o = parseCli(['--listen', '127.0.0.1:8081', '--allow', '127.0.0.1:7000', '--allow', 'irc.example:6697']);
  assert.deepEqual(o, {
    listen: '127.0.0.1:8081',
    allow: ['127.0.0.1:7000', 'irc.example:6697'],
    allowListen: [],
    origins: [],
    workers: os.availableParallelism(),
  });
});

test('parseCli: every option, and --opt=value spelling', () => {
  const o = parseCli([
    '--listen=[::1]:0', '--allow=127.0.0.0/8:*', '--allow-listen', '127.0.0.1:9000-9100',
    '--origin', 'http://localhost:8000', '--origin=*', '--max-connections', '10',
    '--max-frame', '65536', '--connect-timeout', '2500', '--quiet', '--allow-loopback', '--allow-private',
    '--max-per-client', '3', '--max-pending', '4', '--handshake-timeout', '500', '--idle-timeout', '0',
  ]);
  assert.equal(o.allowLoopback, true);
  assert.equal(o.allowPrivate, true);
  assert.equal(o.maxPerClient, 3);
  assert.equal(o.maxPending, 4);
  assert.equal(o.handshakeTimeout, 500);
  assert.equal(o.idleTimeout, 0, '0 turns the idle timeout off');
  assert.equal(o.listen, '[::1]:0');
  assert.deepEqual(o.allow, ['127.0.0.0/8:*']);
  assert.deepEqual(o.allowListen, ['127.0.0.1:9000-9100']);
  assert.deepEqual(o.origins, ['http://localhost:8000', '*']);
  assert.equal(o.maxConnections, 10);
  assert.equal(o.maxFrame, 65536);
  assert.equal(o.connectTimeout, 2500);
  assert.equal(typeof o.log, 'function');
});

test('parseCli: defaults and --help', () => {
  assert.equal(parseCli([]).listen, '127.0.0.1:8081');
  assert.deepEqual(parseCli(['--help']), { help: true });
  assert.deepEqual(parseCli(['-h']), { help: true });
});

test('parseCli: mistakes are reported clearly', () => {
  assert.throws(() => parseCli(['--allow', 'nope']), /bad --allow rule 'nope'/);
  assert.throws(() => parseCli(['--allow-listen', 'host.example:1']), /bad --allow-listen rule/);
  assert.throws(() => parseCli(['--max-connections', 'many']), /--max-connections many: expected a whole number/);
  assert.throws(() => parseCli(['--max-connections', '0']), /whole number >= 1/);
  assert.throws(() => parseCli(['--listen', 'example.com:80']), /--listen example\.com:80: the host must be an IP/);
  assert.throws(() => parseCli(['--listen', '127.0.0.1:99999']), /not a port/);
  assert.throws(() => parseCli(['--frobnicate']), /Unknown option '--frobnicate'/);
  assert.throws(() => parseCli(['127.0.0.1:7000']), /unexpected argument '127\.0\.0\.1:7000'/);
  assert.throws(() => parseCli(['--allow']), /argument missing/);
  assert.throws(() => parseCli(['--token-file', '/nonexistent/tokens']), /ENOENT/);
  assert.throws(() => parseCli(['--allow-loopback=yes']), /does not take an argument/);
});

test('the kvsocket-proxy bin serves a tunnel and stops on SIGTERM', T, async (t) => {
  const echo = await echoServer(t);
  const cli = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${echo.port}`]);
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const url = await withTimeout(new Promise((resolve) => {
    // The URL line comes before what is accepted: wait for the whole startup message.
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (ws:\S+)/.exec(stderr);
      if (m && /limits: /.test(stderr)) resolve(m[1]);
    });
  }), 5000, 'the bin to print its URL');
  // Startup says what gets in.
  assert.match(stderr, /accepting pages from loopback origins .* and clients that send no Origin/);
  assert.match(stderr, /no token required/);
  assert.match(stderr, /loopback addresses: only where an IP\/CIDR rule names them/);
  assert.match(stderr, /limits: 512 connections( \(sessions: \d+ a worker\))?, 128 per client \(an IPv4 address, an IPv6 \/64\)/);
  const ws = await mustOpen(t, `${url}?host=127.0.0.1&port=${echo.port}`);
  ws.send(Buffer.from('ping'));
  await withTimeout(new Promise((resolve) => ws.once('message', resolve)), 5000, 'the echo');
  // SIGTERM drains (tests/proxy/drain.test.js): with nothing open it exits at once.
  ws.close();
  await closed(ws);
  child.kill('SIGTERM');
  assert.equal(await withTimeout(exited, 5000, 'the bin to exit'), 0);
});
