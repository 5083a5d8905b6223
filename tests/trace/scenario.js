// One scenario, two hosts: runs with whichever `Socket` class it is given (Node's, or the
// browser's through kvsocket-proxy) and returns what a script observed, as lines of text, so
// the test can compare the two hosts line by line. Plain ES module: no Node or DOM imports.
//
// The target is tests/browser/targets.js: a TCP server whose first line picks the behaviour
// (`echo`, `bye`). listenAccept and udpEcho need no target: kvsocket sockets talk to each other
// (in the browser, through the proxy's reverse tunnel and datagram mode).

const WAIT_MS = 5000;

// Records events as a script sees them. Consecutive dataAvailable events are folded into one
// line: how bytes are split into reads depends on the network, not on the host.
function recorder(sock, lines, label) {
  const add = (text) => {
    const line = `${label}: ${text}`;
    if (line.endsWith('dataAvailable') && lines.at(-1) === line) return;
    lines.push(line);
  };
  sock.stateChangedEvent = (name) => add(`stateChanged ${name}`);
  sock.hostFoundEvent = () => add('hostFound');
  sock.connectedEvent = () => add(`connected status=${sock.status(true)}`);
  sock.connectFailedEvent = (reason) => add(`connectFailed ${reason}`);
  sock.errorEvent = (code) => add(`error ${code}`);
  sock.dataAvailableEvent = () => add('dataAvailable');
  sock.disconnectEvent = (error) => add(`disconnected '${error}'`);
  sock.listeningEvent = (ip, port) => add(`listening ${ip} port=${port === sock.localPort() && port > 0}`);
  return add;
}

function until(sock, type) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), WAIT_MS);
    sock.addEventListener(type, (e) => { clearTimeout(timer); resolve(e.detail); }, { once: true });
  });
}

async function readAll(sock, count) {
  const parts = [];
  let got = 0;
  while (got < count) {
    if (sock.bytesAvailable() === 0) await until(sock, 'dataAvailable');
    const bytes = sock.readBytes();
    parts.push(bytes);
    got += bytes.length;
  }
  const out = new Uint8Array(got);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const scenarios = {
  // Connect by IP literal, send every byte value through the echo, read it back, close.
  async echo(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'echo');
    add(`connect -> ${sock.connect(env.ip, env.port)} status=${sock.status(true)}`);
    await until(sock, 'connected');
    add(`remote ${sock.remoteIp()}:${sock.remotePort() === env.port}`);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    add(`write -> ${sock.write('echo\n')} ${sock.write(all)}`);
    const back = await readAll(sock, 256);
    add(`read ${back.length} bytes, equal=${back.every((b, i) => b === i)}`);
    sock.close();
    add(`close -> status=${sock.status(true)}`);
    await until(sock, 'disconnected');
    sock.destroy();
  },

  // Connect by name: Node resolves (HostLookUp, hostFound), the browser's proxy does.
  async byName(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'byName');
    add(`connect -> ${sock.connect('localhost', env.port)}`);
    await until(sock, 'connected');
    sock.write('echo\nping');
    add(`read '${new TextDecoder().decode(await readAll(sock, 4))}'`);
    sock.destroy();
    add(`destroy -> status=${sock.status(true)}`);
  },

  // The peer closes: the last bytes stay readable after disconnected.
  async peerClose(Socket, env, lines) {
    const sock = new Socket();
    recorder(sock, lines, 'peerClose');
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    sock.write('bye\n');
    await until(sock, 'disconnected');
    lines.push(`peerClose: after end read '${sock.read().trim()}' status=${sock.status(true)}`);
    sock.destroy();
  },

  // close() against a peer that answers: 16 MiB to the echo and close() at once (more than
  // Node's kernel takes during the write, so both hosts are Closing). The echo arrives while
  // Closing and is discarded on both hosts (docs/spec.md, close): no dataAvailable.
  async closeAnswered(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'closeAnswered');
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    const data = new Uint8Array(16 << 20).fill(0x61);
    add(`write -> ${sock.write('echo\n')} ${sock.write(data)}`);
    sock.close();
    add(`close -> status=${sock.status(true)}`);
    await until(sock, 'disconnected');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the rest of the echo, if any
    add(`after end bytesAvailable=${sock.bytesAvailable()} status=${sock.status(true)}`);
    sock.destroy();
  },

  // write() then close() in the same turn (issue 19, item 7): KVIrc's close() is a last attempt
  // to flush, so both hosts go Closing, then Unconnected once the bytes are handed over, even
  // where the transport took them during write() (Node's kernel takes 1 MiB on loopback at once).
  // Every byte arrives: a second connection asks the target for the count.
  async writeThenClose(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'writeThenClose');
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    // One name per run (both hosts use the same target), of one length (the write's count).
    const name = `wtc${Math.random().toString(36).slice(2).padEnd(10, '0').slice(0, 10)}`;
    const data = new Uint8Array(1 << 20).fill(0x62);
    add(`write -> ${sock.write(`sink ${name}\n`)} ${sock.write(data)}`);
    sock.close();
    add(`close -> status=${sock.status(true)}`);
    await until(sock, 'disconnected');
    sock.destroy();
    const count = new Socket();
    count.connect(env.ip, env.port);
    await until(count, 'connected');
    count.write(`count ${name}\n`);
    await until(count, 'disconnected');
    add(`the target got ${count.read().trim()}`);
    count.destroy();
  },

  // The same write, close() once it is handed over, in a later turn: nothing is pending, so
  // close() ends the connection at once on both hosts.
  async writeThenLaterClose(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'writeThenLaterClose');
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    add(`write -> ${sock.write('echo\nabc')}`);
    await readAll(sock, 3);
    for (let i = 0; i < 500 && sock.bufferedAmount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    add(`bufferedAmount=${sock.bufferedAmount()}`);
    sock.close();
    add(`close -> status=${sock.status(true)}`);
    sock.destroy();
  },

  // The peer closes while we are Closing: its answer and its FIN come while our bytes are
  // still being flushed. Its answer is discarded; our close() still ends cleanly.
  async closeWhilePeerCloses(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'closeWhilePeerCloses');
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    add(`write -> ${sock.write('bye\n')} ${sock.write(new Uint8Array(16 << 20))}`);
    sock.close();
    add(`close -> status=${sock.status(true)}`);
    await until(sock, 'disconnected');
    await new Promise((resolve) => setTimeout(resolve, 200));
    add(`after end read '${sock.read()}' status=${sock.status(true)}`);
    sock.destroy();
  },

  // The peer closed first: the connection has ended, close() does nothing, and the peer's last
  // bytes stay readable.
  async closeAfterPeer(Socket, env, lines) {
    const sock = new Socket();
    const add = recorder(sock, lines, 'closeAfterPeer');
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    sock.write('bye\n');
    await until(sock, 'disconnected');
    sock.close();
    add(`close -> status=${sock.status(true)} read '${sock.read().trim()}'`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // no event follows
    add('done');
    sock.destroy();
  },

  // A refused target: connectFailed, error, Unconnected, and the socket connects again.
  async refused(Socket, env, lines) {
    const sock = new Socket();
    recorder(sock, lines, 'refused');
    sock.connect(env.ip, env.closedPort);
    await until(sock, 'stateChanged'); // Connecting
    await until(sock, 'error');
    lines.push(`refused: lastError '${sock.lastError()}' status=${sock.status(true)}`);
    sock.destroy();
  },

  // The receive pause: the target sends 64 MiB as fast as it can and the script does not read.
  // Past the receive high-water mark (1 MiB here) the host stops reading, on every host (Node
  // its socket; the browser its tunnel's stream and kvsocket-proxy's target: docs/spec.md,
  // Backpressure), so what waits unread stops growing far below what the target sends; then the
  // script reads it all, in order.
  async receivePause(Socket, env, lines) {
    const total = 64 << 20;
    const mark = 1 << 20;
    const sock = new Socket();
    const add = recorder(sock, lines, 'receivePause');
    sock.setReceiveHighWaterMark(mark);
    sock.connect(env.ip, env.port);
    await until(sock, 'connected');
    sock.write(`flood ${total}\n`);
    let held = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = sock.bytesAvailable();
      if (now === held) break;
      held = now;
    }
    add(`unread stopped growing: over the mark ${held > mark}, under 24 MiB ${held < (24 << 20)}`);
    const all = await readAll(sock, total);
    if (sock.status(true) !== 'Unconnected') await until(sock, 'disconnected');
    add(`read ${all.length} bytes, in order ${all.every((b, i) => b === i % 251)}`);
    sock.destroy();
  },

  // Bad input is answered the same way everywhere.
  async badInput(Socket, env, lines) {
    const sock = new Socket();
    const calls = [
      () => sock.connect('', 80),
      () => sock.connect('a..b', 80),
      () => sock.connect(env.ip, 70000),
      () => sock.connect(env.ip, '80a'),
      () => sock.write('x'),
      () => sock.read(),
      () => sock.setProtocol('sctp'),
    ];
    for (const call of calls) lines.push(`badInput: ${JSON.stringify(call())} '${sock.lastError()}'`);
    try { sock.write({}); } catch (e) { lines.push(`badInput: write({}) throws ${e.name}`); }
    try { sock.writeHex('abc'); } catch (e) { lines.push(`badInput: writeHex('abc') throws ${e.name}`); }
    sock.destroy();
  },
};

// Lines of several sockets whose events interleave as the network pleases: each socket records
// its own, and they are joined socket by socket.
function perSocket(lines, labels) {
  const own = Object.fromEntries(labels.map((l) => [l, []]));
  return {
    record: (sock, label) => recorder(sock, own[label], label),
    note: (label, text) => own[label].push(`${label}: ${text}`),
    join: () => labels.forEach((l) => lines.push(...own[l])),
  };
}

const udpSocket = (Socket) => new Socket({ protocol: 'udp' });

Object.assign(scenarios, {
  // Listen on an ephemeral port, connect to it with another Socket, accept, echo, both close.
  async listenAccept(Socket, env, lines) {
    const t = perSocket(lines, ['server', 'client', 'accepted']);
    const server = new Socket();
    const client = new Socket();
    try {
      t.record(server, 'server');
      t.record(client, 'client');
      t.note('server', `listen -> ${server.listen(0, env.ip)} status=${server.status(true)}`);
      await until(server, 'listening');
      const accepted = new Promise((resolve) => {
        server.incomingConnectionEvent = (sock) => {
          t.note('server', `incomingConnection status=${sock.status(true)} accept -> ${server.accept(sock)}`);
          t.record(sock, 'accepted');
          t.note('accepted', `remote ${sock.remoteIp()} local ${sock.localIp()}:${sock.localPort() === server.localPort()}`);
          sock.dataAvailableEvent = () => sock.write(sock.readBytes());
          resolve(sock);
        };
      });
      t.note('client', `connect -> ${client.connect(env.ip, server.localPort())}`);
      await until(client, 'connected');
      const sock = await accepted;
      const gone = until(sock, 'disconnected');
      client.write('hello, listener');
      t.note('client', `read '${new TextDecoder().decode(await readAll(client, 15))}'`);
      client.close();
      t.note('client', `close -> status=${client.status(true)}`);
      await gone;
      const stopped = until(server, 'stateChanged');
      server.close();
      t.note('server', `close -> status=${server.status(true)} localPort=${server.localPort()}`);
      await stopped;
      sock.destroy();
    } finally {
      t.join();
      server.destroy();
      client.destroy();
    }
  },

  // A bound UDP socket answers a connected one: the answer goes to the sender last read.
  async udpEcho(Socket, env, lines) {
    const t = perSocket(lines, ['bound', 'udpClient']);
    const bound = udpSocket(Socket);
    const client = udpSocket(Socket);
    try {
      t.record(bound, 'bound');
      t.record(client, 'udpClient');
      t.note('bound', `listen -> ${bound.listen(0, env.ip)} status=${bound.status(true)}`);
      await until(bound, 'listening');
      t.note('udpClient', `connect -> ${client.connect(env.ip, bound.localPort())}`);
      await until(client, 'connected');
      t.note('udpClient', `local ${client.localIp()} remote ${client.remoteIp()}:${client.remotePort() === bound.localPort()}`);
      for (const sent of ['ping', 'second datagram']) {
        const arrived = until(bound, 'dataAvailable');
        client.write(sent);
        await arrived;
        const text = bound.read(); // remoteIp/remotePort name the sender of the datagram last read
        t.note('bound', `read '${text}' from ${bound.remoteIp()}:${bound.remotePort() === client.localPort()}`);
        const back = until(client, 'dataAvailable');
        t.note('bound', `write -> ${bound.write(sent.toUpperCase())}`);
        await back;
        t.note('udpClient', `read '${client.read()}'`);
      }
      const ended = [until(client, 'disconnected'), until(bound, 'stateChanged')];
      client.close();
      bound.close();
      t.note('bound', `close -> status=${bound.status(true)}`);
      await Promise.all(ended);
    } finally {
      t.join();
      bound.destroy();
      client.destroy();
    }
  },
});

// TLS (docs/spec.md, TLS), when `env.tls` names the servers (trace.test.js): a TLS connect to an
// echo-reversing server, STARTTLS over a line protocol, and a refused certificate. The record
// layer differs by host (node:tls, the page's wasm module); what a script sees must not.
Object.assign(scenarios, {
  async tlsConnect(Socket, env, lines) {
    if (!env.tls) return;
    const sock = new Socket({ tls: { ca: env.tls.ca, servername: 'localhost' } });
    const add = recorder(sock, lines, 'tlsConnect');
    sock.secureEvent = () => add('secure');
    add(`connect -> ${sock.connect(env.ip, env.tls.port)} status=${sock.status(true)}`);
    await until(sock, 'connected');
    const info = sock.tlsInfo();
    add(`tlsInfo ${info.protocol} servername=${info.servername} authorized=${info.authorized} CN=${info.peerCertificate.subject.CN}`);
    sock.write('over tls\n');
    const got = new TextDecoder().decode(await readAll(sock, 9));
    add(`read ${JSON.stringify(got)}`);
    sock.close();
    await until(sock, 'disconnected');
    add(`tlsInfo after ${sock.tlsInfo()}`);
    sock.destroy();
  },

  async tlsStartTls(Socket, env, lines) {
    if (!env.tls) return;
    const sock = new Socket();
    const add = recorder(sock, lines, 'starttls');
    sock.secureEvent = () => add(`secure status=${sock.status(true)}`);
    sock.connect(env.ip, env.tls.starttlsPort);
    await until(sock, 'connected');
    add(`read ${JSON.stringify(new TextDecoder().decode(await readAll(sock, 11)))}`);
    sock.write('STARTTLS\r\n');
    add(`read ${JSON.stringify(new TextDecoder().decode(await readAll(sock, 14)))}`);
    add(`startTls -> ${sock.startTls({ ca: env.tls.ca, servername: 'localhost' })} again -> ${sock.startTls()}`);
    await until(sock, 'secure');
    sock.write('ping\n');
    add(`read ${JSON.stringify(new TextDecoder().decode(await readAll(sock, 5)))} tls=${sock.tlsInfo() !== null}`);
    sock.destroy();
  },

  async tlsRefused(Socket, env, lines) {
    if (!env.tls) return;
    const sock = new Socket({ tls: { ca: env.tls.ca, servername: 'localhost' } });
    recorder(sock, lines, 'tlsRefused');
    sock.connect(env.ip, env.tls.wrongNamePort);
    await until(sock, 'error');
    lines.push(`tlsRefused: lastError '${sock.lastError()}' status=${sock.status(true)} tlsInfo=${sock.tlsInfo()}`);
    sock.destroy();
  },
});

/** Runs the named scenarios in order; returns the lines observed. */
export async function runScenario(Socket, env, names = Object.keys(scenarios)) {
  const lines = [];
  for (const name of names) {
    try {
      await scenarios[name](Socket, env, lines);
    } catch (err) {
      lines.push(`${name}: FAILED ${err.message}`);
    }
  }
  return lines;
}

export const scenarioNames = Object.keys(scenarios);
