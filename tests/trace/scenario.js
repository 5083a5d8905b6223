// One scenario, two hosts: runs with whichever `Socket` class it is given (Node's, or the
// browser's through kvsocket-proxy) and returns what a script observed, as lines of text, so
// the test can compare the two hosts line by line. Plain ES module: no Node or DOM imports.
//
// The target is tests/browser/targets.js: a TCP server whose first line picks the behaviour
// (`echo`, `bye`).

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
