// node:http's client with a keep-alive http.Agent whose createConnection returns kvsocket/net
// sockets, against a real node:http server: several requests go over one connection (the agent
// parks the socket between them with unref() and takes it back with ref(); before kvsocket/net
// that crashed the process with "socket.unref is not a function").
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'kvsocket/net';

class KvsocketAgent extends http.Agent {
  createConnection(options, callback) {
    const socket = net.createConnection({ host: options.host, port: options.port });
    this.made = (this.made ?? 0) + 1;
    callback(null, socket);
  }
}

const get = (agent, port, path) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
    const { socket } = res; // the agent takes it back once the response ended
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { body += c; });
    res.on('end', () => resolve({ status: res.statusCode, body, socket }));
  }).on('error', reject);
});

test('a keep-alive http.Agent over kvsocket/net: five requests on one connection', { timeout: 15000 }, async (t) => {
  const peers = new Set();
  const server = http.createServer((req, res) => {
    peers.add(req.socket.remotePort);
    res.end(`${req.method} ${req.url} #${peers.size}`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const agent = new KvsocketAgent({ keepAlive: true, maxSockets: 1 });
  t.after(() => { agent.destroy(); server.close(); });

  const sockets = new Set();
  for (let i = 1; i <= 5; i++) {
    const res = await get(agent, port, `/r${i}`);
    assert.equal(res.status, 200);
    assert.equal(res.body, `GET /r${i} #1`);
    assert.ok(res.socket instanceof net.Socket);
    sockets.add(res.socket);
    await new Promise((r) => setImmediate(r)); // the agent parks the socket (unref) in between
  }
  assert.equal(agent.made, 1, 'one connection made');
  assert.equal(sockets.size, 1, 'every response came over the same kvsocket/net socket');
  assert.equal(peers.size, 1, 'the server saw one client connection');
  // Five at once with maxSockets 1: queued behind each other on the same connection.
  const many = await Promise.all([6, 7, 8, 9, 10].map((i) => get(agent, port, `/r${i}`)));
  assert.deepEqual(many.map((r) => r.body), [6, 7, 8, 9, 10].map((i) => `GET /r${i} #1`));
  assert.equal(agent.made, 1);
});

test('kvsocket/net createConnection as node:http\'s createConnection, as it is: the agent\'s own option keys pass', { timeout: 15000 }, async (t) => {
  const server = http.createServer((req, res) => res.end(`${req.url} ${req.socket.remotePort}`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  agent.createConnection = net.createConnection;
  t.after(() => { agent.destroy(); server.close(); });
  const first = await get(agent, port, '/one');
  const second = await get(agent, port, '/two');
  assert.ok(first.socket instanceof net.Socket);
  assert.equal(second.socket, first.socket, 'the same keep-alive connection');
  assert.match(second.body, /^\/two \d+$/);
});
