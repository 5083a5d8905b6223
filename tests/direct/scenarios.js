// The Direct Sockets scenarios, one file for both hosts: tests/node/direct.test.js runs them with
// the Node entry, tests/browser/direct.test.js in Chromium with the browser entry through
// kvsocket-proxy. Each takes the API ({TCPSocket, UDPSocket, TCPServerSocket}) and `env`
// ({ports, browser}); it throws when something is wrong. Plain JS: no Node module is imported.
// Where the hosts differ, `env.browser` says which answer is expected (docs/direct-sockets.md).

import { BIG, HOST, check, equal, patternByte, rejects, text, throwsType } from './check.js';

const bytesOf = (s) => new TextEncoder().encode(s);

/** Reads from `reader` until `n` bytes came (or the end); returns them. */
async function readBytes(reader, n) {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const { value, done } = await reader.read();
    if (done) break;
    out.set(value.subarray(0, n - got), got);
    got += value.length;
  }
  return out.subarray(0, got);
}

/** Reads until the stream ends; returns the text. */
async function readAll(reader) {
  let s = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return s;
    s += text(value);
  }
}

export const scenarios = {
  async 'TCPSocket: opened gives the streams and addresses, bytes round-trip, close() resolves closed'({ TCPSocket }, env) {
    const sock = new TCPSocket(HOST, env.ports.echo);
    const info = await sock.opened;
    check(info.readable instanceof ReadableStream && info.writable instanceof WritableStream, 'opened has the two streams');
    equal(info.remoteAddress, HOST, 'remoteAddress');
    equal(info.remotePort, env.ports.echo, 'remotePort');
    // A browser does not learn its local address through a proxy.
    if (env.browser) equal(info.localPort, 0, 'localPort in a browser');
    else check(info.localPort > 0 && info.localAddress === HOST, `local address ${info.localAddress}:${info.localPort}`);
    const sent = new Uint8Array(1024).map((_, i) => i & 0xff);
    const writer = info.writable.getWriter();
    const reader = info.readable.getReader();
    await writer.write(sent);
    const back = await readBytes(reader, sent.length);
    equal(back.length, sent.length, 'echoed length');
    check(back.every((b, i) => b === sent[i]), 'echoed bytes equal');
    await rejects(sock.close(), (e) => e.name === 'InvalidStateError', 'close() while the streams are locked');
    writer.releaseLock();
    reader.releaseLock();
    await sock.close();
    await sock.closed;
  },

  async 'TCPSocket: writes take ArrayBuffers and views only'({ TCPSocket }, env) {
    const sock = new TCPSocket(HOST, env.ports.echo);
    const { writable, readable } = await sock.opened;
    const writer = writable.getWriter();
    await writer.write(new Uint16Array([0x6968]).buffer); // an ArrayBuffer: 'hi' little-endian
    equal(text(await readBytes(readable.getReader(), 2)), 'hi', 'an ArrayBuffer is written');
    await rejects(writer.write('text'), (e) => e instanceof TypeError, 'a string chunk');
    // A refused chunk aborts the connection: closed rejects with the same error.
    await rejects(sock.closed, (e) => e instanceof TypeError, 'closed after a refused chunk');
  },

  async 'TCPSocket: a refused connection rejects opened and closed'({ TCPSocket }, env) {
    const sock = new TCPSocket(HOST, env.ports.closed);
    const code = 'ConnectionRefused'; // kvsocket-proxy reports the target's refusal with its code
    await rejects(sock.opened, (e) => e.code === code, 'opened');
    await rejects(sock.closed, (e) => e.code === code, 'closed');
  },

  async 'TCPSocket: bad arguments: TypeError for options, a rejected opened for the address'({ TCPSocket }) {
    throwsType(() => new TCPSocket(), 'no arguments');
    throwsType(() => new TCPSocket(HOST), 'no port');
    throwsType(() => new TCPSocket(undefined, 80), 'no address');
    throwsType(() => new TCPSocket(0x7f000001, 80), 'a number for the address');
    throwsType(() => new TCPSocket(HOST, null), 'null for the port');
    throwsType(() => new TCPSocket(HOST, { port: 80 }), 'an object for the port');
    throwsType(() => new TCPSocket(HOST, 80, { sendBufferSize: 0 }), 'sendBufferSize 0');
    throwsType(() => new TCPSocket(HOST, 80, { receiveBufferSize: 0 }), 'receiveBufferSize 0');
    throwsType(() => new TCPSocket(HOST, 80, { keepAliveDelay: 10 }), 'keepAliveDelay under 1000');
    throwsType(() => new TCPSocket(HOST, 80, 'fast'), 'options not an object');
    // Options are read in Rust (src/engine/direct.rs): a name a constructor does not know is
    // an error, not ignored, and so is a value of the wrong type.
    throwsType(() => new TCPSocket(HOST, 80, { nodelay: true }), 'an unknown option (a typo of noDelay)');
    throwsType(() => new TCPSocket(HOST, 80, { noDelay: 'yes' }), 'a string for noDelay');
    throwsType(() => new TCPSocket(HOST, 80, { secureTransport: 'tls' }), 'an unknown secureTransport');
    await rejects(new TCPSocket(HOST, 70000).opened, (e) => /port/.test(e.message), 'port 70000');
    await rejects(new TCPSocket('bad host!', 80).opened, (e) => /host/.test(e.message), 'a bad host');
  },

  async 'null options are no options: TCPSocket and TCPServerSocket open; UDPSocket still asks for a mode'({ TCPSocket, UDPSocket, TCPServerSocket }, env) {
    const server = new TCPServerSocket(HOST, null);
    check((await server.opened).localPort > 0, 'TCPServerSocket(host, null) listens');
    await server.close();
    const sock = new TCPSocket(HOST, env.ports.echo, null);
    equal((await sock.opened).remotePort, env.ports.echo, 'TCPSocket(host, port, null) connects');
    await sock.close();
    throwsType(() => new UDPSocket(null), 'UDPSocket(null): neither mode');
  },

  async 'wrong argument types throw TypeError: TCPServerSocket and UDPSocket'({ TCPServerSocket, UDPSocket }) {
    throwsType(() => new TCPServerSocket(), 'TCPServerSocket(): no address');
    throwsType(() => new TCPServerSocket(null), 'TCPServerSocket(null)');
    throwsType(() => new TCPServerSocket(HOST, { localPort: [80] }), 'an Array for localPort');
    throwsType(() => new UDPSocket(), 'UDPSocket(): no options');
    throwsType(() => new UDPSocket({ remoteAddress: 0x7f000001, remotePort: 9 }), 'a number for remoteAddress');
    throwsType(() => new UDPSocket({ remoteAddress: HOST, remotePort: true }), 'a boolean for remotePort');
    throwsType(() => new UDPSocket({ localAddress: null }), 'null for localAddress');
    throwsType(() => new UDPSocket({ localAddress: HOST, localPort: {} }), 'an object for localPort');
    throwsType(() => new UDPSocket({ localAddress: HOST, ipv6only: true }), 'an unknown UDPSocket option');
    throwsType(() => new TCPServerSocket(HOST, { backlog: '5' }), 'a string for backlog');
    throwsType(() => new TCPServerSocket(HOST, { noDelay: true }), 'a TCPSocket option on the server');
  },

  async 'TCPSocket: a large download arrives whole and in order through a slow reader'({ TCPSocket }, env) {
    const sock = new TCPSocket(HOST, env.ports.big, { receiveBufferSize: 64 * 1024 });
    const { readable } = await sock.opened;
    let at = 0;
    let chunks = 0;
    for await (const chunk of readable) {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== patternByte(at + i)) throw new Error(`byte ${at + i} differs`);
      }
      at += chunk.length;
      // A slow start: the server is far ahead and must wait at the receive high-water mark.
      if (++chunks <= 3) await new Promise((r) => setTimeout(r, 50));
    }
    equal(at, BIG, 'bytes received');
    await sock.closed;
  },

  async 'TCPSocket: an upload paced by sendBufferSize arrives whole'({ TCPSocket }, env) {
    const sock = new TCPSocket(HOST, env.ports.upload, { sendBufferSize: 64 * 1024 });
    const { readable, writable } = await sock.opened;
    const total = 2 * 1024 * 1024;
    const writer = writable.getWriter();
    await writer.write(bytesOf(`${total}\n`));
    let sum = 0;
    for (let at = 0; at < total; at += 32 * 1024) {
      const chunk = new Uint8Array(32 * 1024).map((_, i) => (at + i) % 251);
      for (const b of chunk) sum = (sum + b) >>> 0;
      await writer.ready;
      writer.write(chunk);
    }
    const answer = await readAll(readable.getReader());
    equal(answer, `${total} ${sum}\n`, 'the server counted every byte');
    await sock.closed;
  },

  async 'TCPSocket: closing the writable half-closes; the answer still arrives on the readable'({ TCPSocket }, env) {
    const sock = new TCPSocket(HOST, env.ports.ask);
    const { readable, writable } = await sock.opened;
    const writer = writable.getWriter();
    await writer.write(bytesOf('are you there?'));
    await writer.close(); // our FIN; the server answers only after it
    equal(await readAll(readable.getReader()), 'got 14: are you there?', 'the answer after our end');
    await sock.closed;
  },

  async 'TCPServerSocket: a TCPSocket connects, both sides talk, close() stops listening'({ TCPSocket, TCPServerSocket }) {
    throwsType(() => new TCPServerSocket(HOST, { localPort: 0 }), 'localPort 0');
    throwsType(() => new TCPServerSocket(HOST, { backlog: -1 }), 'backlog -1');
    const server = new TCPServerSocket(HOST);
    const { readable, localAddress, localPort } = await server.opened;
    equal(localAddress, HOST, 'localAddress');
    check(localPort > 0, `localPort ${localPort}`);
    const client = new TCPSocket(HOST, localPort);
    const incoming = readable.getReader();
    const { value: accepted, done } = await incoming.read();
    check(!done && accepted instanceof TCPSocket, 'the readable yields a TCPSocket');
    const [mine, theirs] = await Promise.all([client.opened, accepted.opened]);
    equal(theirs.localPort, localPort, "the accepted socket's localPort");
    const w = mine.writable.getWriter();
    await w.write(bytesOf('ping'));
    const r = theirs.readable.getReader();
    equal(text(await readBytes(r, 4)), 'ping', 'the server side read');
    const w2 = theirs.writable.getWriter();
    await w2.write(bytesOf('pong'));
    const r2 = mine.readable.getReader();
    equal(text(await readBytes(r2, 4)), 'pong', 'the client side read');
    incoming.releaseLock();
    await server.close();
    await server.closed;
    // The accepted connection outlives the server.
    await w2.write(bytesOf('still'));
    equal(text(await readBytes(r2, 5)), 'still', 'after the server closed');
    for (const x of [w, r, w2, r2]) x.releaseLock();
    await client.close();
    await accepted.closed;
  },

  async 'UDPSocket connected mode: a datagram to the peer and its answer'({ UDPSocket }, env) {
    const sock = new UDPSocket({ remoteAddress: HOST, remotePort: env.ports.udpEcho });
    const info = await sock.opened;
    equal(info.remoteAddress, HOST, 'remoteAddress');
    equal(info.remotePort, env.ports.udpEcho, 'remotePort');
    const writer = info.writable.getWriter();
    await writer.write({ data: bytesOf('one datagram') });
    const reader = info.readable.getReader();
    const { value } = await reader.read();
    equal(text(value.data), 'one datagram', 'the echoed datagram');
    equal(value.remotePort, env.ports.udpEcho, "the message's remotePort");
    writer.releaseLock();
    reader.releaseLock();
    await sock.close();
    await sock.closed;
    const other = new UDPSocket({ remoteAddress: HOST, remotePort: env.ports.udpEcho });
    const w = (await other.opened).writable.getWriter();
    await rejects(w.write({ data: bytesOf('x'), remoteAddress: HOST, remotePort: 9 }), (e) => e instanceof TypeError, 'an address in connected mode');
    await rejects(other.closed, (e) => e instanceof TypeError, 'closed after a refused message');
  },

  async 'UDPSocket bound mode: datagrams to an address, answers with the sender'({ UDPSocket }, env) {
    throwsType(() => new UDPSocket({}), 'neither mode');
    throwsType(() => new UDPSocket({ localAddress: HOST, remoteAddress: HOST, remotePort: 9 }), 'both modes');
    throwsType(() => new UDPSocket({ remoteAddress: HOST }), 'no remotePort');
    const sock = new UDPSocket({ localAddress: HOST });
    const info = await sock.opened;
    equal(info.localAddress, HOST, 'localAddress');
    check(info.localPort > 0, `localPort ${info.localPort}`);
    const writer = info.writable.getWriter();
    const reader = info.readable.getReader();
    for (const word of ['first', 'second']) {
      await writer.write({ data: bytesOf(word), remoteAddress: HOST, remotePort: env.ports.udpEcho });
      const { value } = await reader.read();
      equal(text(value.data), word, 'the answer');
      equal(value.remoteAddress, HOST, 'its remoteAddress');
      equal(value.remotePort, env.ports.udpEcho, 'its remotePort');
    }
    await rejects(writer.write({ data: bytesOf('x') }), (e) => e instanceof TypeError, 'no address in bound mode');
    await rejects(sock.closed, (e) => e instanceof TypeError, 'closed after a refused message');
  },
};
