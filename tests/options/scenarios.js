// Socket options beside KVIrc's API — half-close (end()), the idle timeout, no-delay and
// keep-alive — one file for both hosts: tests/node/options.test.js runs it on Node,
// tests/browser/options.test.js in Chromium through kvsocket-proxy, against the peers of
// tests/direct/peers.js. Each scenario takes ({Socket}, env) and throws when something is wrong.

import { HOST, check, equal, text, throwsType } from '../direct/check.js';

export const scenarios = {
  async 'end(): our FIN after the question, the answer still arrives, then the peer ends'({ Socket }, env) {
    const sock = await Socket.connect(HOST, env.ports.ask);
    equal(sock.write('are you there?'), 14, 'the question');
    equal(sock.end(), true, 'end()');
    equal(sock.status(true), 'Connected', 'half-closed is still Connected');
    equal(sock.write('late'), 0, 'no writes after end()');
    check(/after end\(\)/.test(sock.lastError()), `lastError: ${sock.lastError()}`);
    let answer = '';
    const disconnected = new Promise((resolve) => sock.once('disconnected', (e) => resolve(e.detail.error)));
    for await (const chunk of sock) answer += text(chunk);
    equal(answer, 'got 14: are you there?', 'the answer after our end');
    equal(await disconnected, '', 'a clean end');
  },

  async 'end() while connecting: the FIN follows the connection and what was queued'({ Socket }, env) {
    const sock = new Socket();
    sock.connect(HOST, env.ports.ask);
    sock.write('early');
    equal(sock.end(), true, 'end() while connecting');
    let answer = '';
    for await (const chunk of sock) answer += text(chunk);
    equal(answer, 'got 5: early', 'the answer');
  },

  async 'end() is refused for UDP and for a socket with no connection'({ Socket }, env) {
    const idle = new Socket();
    equal(idle.end(), false, 'an Unconnected socket');
    check(/end needs/.test(idle.lastError()), idle.lastError());
    const udp = await Socket.connect(HOST, env.ports.udpEcho, { protocol: 'udp' });
    equal(udp.end(), false, 'UDP');
    check(/UDP/.test(udp.lastError()), udp.lastError());
    udp.destroy();
  },

  async 'the idle timeout: one idleEvent after a quiet period, none while bytes flow'({ Socket }, env) {
    const sock = await Socket.connect(HOST, env.ports.echo, { idleTimeout: 400 });
    equal(sock.idleTimeout(), 400, 'idleTimeout()');
    let idles = 0;
    sock.idleEvent = () => { idles++; };
    // Traffic every 100 ms for 800 ms: never idle.
    for (let i = 0; i < 8; i++) {
      sock.write('x');
      await new Promise((r) => setTimeout(r, 100));
      sock.read();
    }
    equal(idles, 0, 'idle events while bytes flow');
    const started = performance.now();
    await new Promise((resolve) => sock.once('idle', resolve));
    const waited = performance.now() - started;
    check(waited >= 300 && waited < 1500, `idle after ${waited} ms`);
    await new Promise((r) => setTimeout(r, 700));
    equal(idles, 1, 'one idle per quiet period');
    equal(sock.status(true), 'Connected', 'the connection stays open');
    sock.setIdleTimeout(0);
    equal(sock.idleTimeout(), 0, 'off');
    throwsType(() => sock.setIdleTimeout(-1), 'a negative timeout');
    throwsType(() => sock.setIdleTimeout(1.5), 'a fraction');
    throwsType(() => sock.setIdleTimeout(1e300), 'more ms than a JS number counts exactly');
    sock.setIdleTimeout(Number.MAX_SAFE_INTEGER);
    equal(sock.idleTimeout(), Number.MAX_SAFE_INTEGER, 'the largest exact timeout, as set');
    sock.destroy();
  },

  async 'setNoDelay / setKeepAlive: checked, chainable, and the connection goes on'({ Socket }, env) {
    const sock = await Socket.connect(HOST, env.ports.echo);
    equal(sock.setNoDelay(false).setKeepAlive(true, 5000), sock, 'chainable');
    throwsType(() => sock.setNoDelay('yes'), 'setNoDelay with a string');
    throwsType(() => sock.setKeepAlive(true, -1), 'a negative keep-alive delay');
    throwsType(() => sock.setKeepAlive(true, 1e300), 'a keep-alive delay past exact integers');
    sock.write('still echoing');
    let got = '';
    for await (const chunk of sock) {
      got += text(chunk);
      if (got.length >= 13) sock.close();
    }
    equal(got, 'still echoing', 'echo after the options changed');
  },

  async 'inspect(): a snapshot of the status, addresses and buffer counts'({ Socket }, env) {
    const sock = await Socket.connect(HOST, env.ports.echo, { idleTimeout: 5000 });
    sock.write('abc');
    await new Promise((resolve) => sock.once('dataAvailable', resolve));
    const snap = sock.inspect();
    equal(snap.status, 'Connected', 'status');
    equal(snap.protocol, 'tcp', 'protocol');
    equal(snap.remoteIp, HOST, 'remoteIp');
    equal(snap.remotePort, env.ports.echo, 'remotePort');
    equal(snap.bytesAvailable, sock.bytesAvailable(), 'bytesAvailable');
    equal(snap.idleTimeout, 5000, 'idleTimeout');
    sock.destroy();
    equal(sock.inspect().destroyed, true, 'after destroy()');
  },
};
