// Promises, iteration, once/off and AbortSignal on Socket: one file for both hosts, run by
// tests/node/promises.test.js on Node and tests/browser/promises.test.js in Chromium through
// kvsocket-proxy, against the peers of tests/direct/peers.js. Each scenario takes ({Socket}, env)
// and throws when something is wrong.

import { BIG, HOST, check, equal, rejects, text } from '../direct/check.js';

const RECEIVE_MARK = 4 * 1024 * 1024; // the engine's default receive high-water mark

export const scenarios = {
  async 'Socket.connect resolves once Connected; for await yields the bytes; close() ends the loop'({ Socket }, env) {
    const sock = await Socket.connect(HOST, env.ports.echo);
    equal(sock.status(true), 'Connected', 'status');
    equal(sock.remotePort(), env.ports.echo, 'remotePort');
    equal(await sock.connected(), sock, 'connected() on a Connected socket');
    sock.write('hello, iterator');
    let got = '';
    for await (const chunk of sock) {
      check(chunk instanceof Uint8Array, 'chunks are Uint8Arrays');
      got += text(chunk);
      if (got.length >= 15) sock.close();
    }
    equal(got, 'hello, iterator', 'iterated bytes');
  },

  async 'connected() of a plain connect(): resolves, or rejects with the failure code'({ Socket }, env) {
    const ok = new Socket();
    equal(ok.connect(HOST, env.ports.echo), true, 'connect() still returns a boolean');
    equal(await ok.connected(), ok, 'connected() resolves with the socket');
    ok.destroy();
    const refused = new Socket();
    refused.connect(HOST, env.ports.closed);
    const code = 'ConnectionRefused'; // kvsocket-proxy reports the target's refusal with its code
    const err = await rejects(refused.connected(), (e) => e.code === code && e.name === 'SocketError', 'refused');
    check(err.message.length > 0, 'the failure has a message');
    await rejects(Socket.connect(HOST, env.ports.closed), (e) => e.code === code, 'Socket.connect refused');
    await rejects(new Socket().connected(), (e) => /Unconnected/.test(e.message), 'connected() with no attempt');
    await rejects(Socket.connect(HOST, 0), (e) => /port/.test(e.message), 'Socket.connect with port 0');
  },

  async 'AbortSignal: Socket.connect\'s signal bounds the connect; new Socket({ signal }) the socket\'s life; aborts are AbortErrors with a named code'({ Socket }, env) {
    const isAbort = (e) => e.name === 'AbortError' && e.code === 'ABORT_ERR';
    await rejects(Socket.connect(HOST, env.ports.echo, { signal: AbortSignal.abort() }), isAbort, 'already aborted');
    const early = new AbortController();
    const pending = Socket.connect(HOST, env.ports.echo, { signal: early.signal });
    early.abort();
    await rejects(pending, isAbort, 'aborted while connecting');
    // README's example: a signal that fires after the connect (a timeout) leaves the socket be.
    const bound = new AbortController();
    const kept = await Socket.connect(HOST, env.ports.echo, { signal: bound.signal });
    bound.abort();
    await new Promise((r) => setTimeout(r, 20));
    equal(kept.status(true), 'Connected', 'an abort after the connect does nothing');
    kept.write('still here');
    let echoed = '';
    for await (const chunk of kept) {
      echoed += text(chunk);
      if (echoed.length >= 10) break;
    }
    equal(echoed, 'still here', 'the connection goes on');
    kept.destroy();
    // The constructor's signal: the socket's whole life.
    const controller = new AbortController();
    const sock = new Socket({ signal: controller.signal });
    sock.connect(HOST, env.ports.big);
    await sock.connected();
    let chunks = 0;
    const err = await rejects((async () => {
      for await (const chunk of sock) {
        check(chunk.length > 0, 'a chunk');
        if (++chunks === 1) controller.abort(new Error('enough'));
      }
    })(), (e) => isAbort(e) && e.cause?.message === 'enough', 'the loop throws an AbortError with the reason as cause');
    check(/enough/.test(err.message), 'the message names the reason');
    equal(sock.status(), 0, 'an abort destroys the socket');
    equal(sock.write('x'), 0, 'nothing is written after it');
    let threw = false;
    try { new Socket({ signal: 'stop' }); } catch (e) { threw = e instanceof TypeError; }
    check(threw, 'a signal that is not an AbortSignal is a TypeError');
    threw = false;
    try { await Socket.connect(HOST, env.ports.echo, { signal: 'stop' }); } catch (e) { threw = e instanceof TypeError; }
    check(threw, 'Socket.connect: a signal that is not an AbortSignal is a TypeError');
  },

  async 'once() runs a listener once, off() removes one'({ Socket }, env) {
    const sock = new Socket();
    let onceCalls = 0;
    let offCalls = 0;
    const offListener = () => { offCalls++; };
    equal(sock.once('stateChanged', () => { onceCalls++; }), sock, 'once returns the socket');
    sock.on('stateChanged', offListener);
    equal(sock.off('stateChanged', offListener), sock, 'off returns the socket');
    sock.connect(HOST, env.ports.echo);
    await sock.connected();
    equal(onceCalls, 1, 'once listener calls');
    equal(offCalls, 0, 'removed listener calls');
    sock.destroy();
  },

  async 'for await over a large download: every byte, paced by the receive mark'({ Socket }, env) {
    const sock = await Socket.connect(HOST, env.ports.big);
    let total = 0;
    let most = 0;
    let slow = 3;
    for await (const chunk of sock) {
      total += chunk.length;
      most = Math.max(most, chunk.length);
      if (slow-- > 0) await new Promise((r) => setTimeout(r, 50));
    }
    equal(total, BIG, 'bytes');
    // Node pauses the network at the mark; a browser cannot pause a WebSocket (documented).
    if (!env.browser) check(most <= RECEIVE_MARK + 64 * 1024, `a chunk of ${most} bytes: the receive pause did not hold`);
    equal(sock.status(true), 'Unconnected', 'after the end');
  },

  async 'Socket.listen resolves with a listening socket; listening() rejects a busy port'({ Socket }, env) {
    const server = await Socket.listen(0, HOST);
    equal(server.status(true), 'Listening', 'status');
    const { port } = await server.listening();
    check(port > 0 && port === server.localPort(), `port ${port}`);
    const incoming = new Promise((resolve) => server.once('incomingConnection', (e) => {
      server.accept(e.detail.socket);
      resolve(e.detail.socket);
    }));
    const client = await Socket.connect(HOST, port);
    const accepted = await incoming;
    accepted.write('from the server');
    let got = '';
    for await (const chunk of client) {
      got += text(chunk);
      if (got.length >= 15) client.close();
    }
    equal(got, 'from the server', 'accepted socket to client');
    accepted.destroy();
    server.close();
    await rejects(Socket.listen(port === env.ports.echo ? port + 1 : env.ports.echo, HOST), (e) => e.code === 'AddressInUse', 'a busy port');
  },

  async 'UDP: for await over a bound socket yields one datagram per chunk'({ Socket }, env) {
    const sock = await Socket.listen(0, HOST, { protocol: 'udp' });
    const sender = await Socket.connect(HOST, sock.localPort(), { protocol: 'udp' });
    sender.write('one');
    sender.write('two');
    const got = [];
    for await (const chunk of sock) {
      got.push(text(chunk));
      if (got.length === 2) sock.close();
    }
    equal(got.join(','), 'one,two', 'datagrams');
    sender.destroy();
  },
};
