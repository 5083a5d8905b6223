// connect() (Cloudflare's sockets API, docs/connect.md) scenarios, one file for both hosts:
// tests/node/cf-connect.test.js runs them with the Node entry, tests/browser/connect.test.js in
// Chromium with the browser entry through kvsocket-proxy, against the peers of
// tests/direct/peers.js. Plain JS: no Node module is imported.

import { BIG, HOST, check, equal, patternByte, rejects, text, throwsType } from './check.js';

const bytesOf = (s) => new TextEncoder().encode(s);

/** Reads the stream to its end; the bytes. */
async function readAll(readable) {
  const chunks = [];
  let size = 0;
  const reader = readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    check(value instanceof Uint8Array, 'chunks are Uint8Arrays');
    chunks.push(value);
    size += value.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

export const scenarios = {
  async 'connect: opened gives the addresses, bytes round-trip, close() while locked resolves closed'({ connect }, env) {
    const sock = connect(`${HOST}:${env.ports.echo}`);
    equal(sock.secureTransport, 'off', 'secureTransport');
    equal(sock.upgraded, false, 'upgraded');
    const writer = sock.writable.getWriter();
    const reader = sock.readable.getReader();
    const first = writer.write(bytesOf('before open, ')); // waits for the connection
    const info = await sock.opened;
    equal(info.remoteAddress, `${HOST}:${env.ports.echo}`, 'remoteAddress');
    // A browser does not learn its local address through a proxy.
    if (env.browser) equal(info.localAddress, '0.0.0.0:0', 'localAddress in a browser');
    else check(/^127\.0\.0\.1:\d+$/.test(info.localAddress) && !info.localAddress.endsWith(':0'), `localAddress ${info.localAddress}`);
    await first;
    await writer.write(bytesOf('after'));
    let got = '';
    while (got.length < 18) {
      const { value, done } = await reader.read();
      check(!done, 'the echo ended early');
      got += text(value);
    }
    equal(got, 'before open, after', 'echoed');
    await sock.close();
    await sock.closed;
    equal((await reader.read()).done, true, 'the readable ended with close()');
  },

  async "connect: the peer's end (allowHalfOpen false) ends the readable after every byte; closed resolves"({ connect }, env) {
    const sock = connect({ hostname: HOST, port: env.ports.big }, { allowHalfOpen: false });
    const body = await readAll(sock.readable);
    equal(body.length, BIG, 'bytes before the end');
    let bad = -1;
    for (let i = 0; i < body.length && bad < 0; i++) if (body[i] !== patternByte(i)) bad = i;
    equal(bad, -1, 'first wrong byte');
    await sock.closed;
    await rejects(sock.writable.getWriter().write(bytesOf('x')), (e) => e.name === 'SocketError', 'a write after the end');
  },

  async 'connect: closing the writable is a half-close; the answer comes after it'({ connect }, env) {
    const sock = connect(`${HOST}:${env.ports.ask}`);
    const writer = sock.writable.getWriter();
    await writer.write(bytesOf('question'));
    await writer.close();
    equal(text(await readAll(sock.readable)), 'got 8: question', 'the answer');
    await sock.closed;
  },

  async 'connect: a refused connection rejects opened and closed with ConnectionRefused'({ connect }, env) {
    const sock = connect(`${HOST}:${env.ports.closed}`);
    await rejects(sock.opened, (e) => e.name === 'SocketError' && e.code === 'ConnectionRefused', 'opened');
    await rejects(sock.closed, (e) => e.code === 'ConnectionRefused', 'closed');
  },

  async 'connect: bad addresses and options throw TypeError'({ connect }, env) {
    throwsType(() => connect(HOST), 'no port');
    throwsType(() => connect({ hostname: HOST }), 'an address object without a port');
    throwsType(() => connect(`${HOST}:${env.ports.echo}`, { nope: 1 }), 'an unknown option');
    throwsType(() => connect(`${HOST}:${env.ports.echo}`, { allowHalfOpen: true }), 'allowHalfOpen true');
    throwsType(() => connect(`${HOST}:${env.ports.echo}`, { secureTransport: 'maybe' }), 'a bad secureTransport');
  },
};
