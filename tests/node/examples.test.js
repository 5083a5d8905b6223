// The seed's two examples (examples/) against real node:http peers, and run as scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { T, cleanup, freePort, withTimeout } from './helpers.js';
import { WebServer, PAGE } from '../../examples/webserver.js';
import { HeadRequest } from '../../examples/head.js';

const quiet = () => {};
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

function get(port, path = '/') {
  return withTimeout(new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, version: res.httpVersion, body }));
      res.on('error', reject);
    }).on('error', reject);
  }), 5000, `GET ${path}`);
}

test('the webserver delivers its page to http.get', T, async (t) => {
  const lines = [];
  const server = cleanup(t)(new WebServer(0, '127.0.0.1', { log: (l) => lines.push(l) }));
  assert.equal(server.listening, true);
  const port = await server.whenListening();
  const res = await get(port);
  assert.equal(res.status, 200);
  assert.equal(res.version, '1.0');
  assert.equal(res.body, PAGE);
  assert.match(res.body, /<h1>KVIrc Webserver<\/h1>/);
  // several clients, one after another and at once
  const many = await Promise.all([get(port, '/a'), get(port, '/b'), get(port, '/c')]);
  for (const r of many) assert.equal(r.body, PAGE);
  assert.equal(server.served, 4);
  assert.equal(lines[0], 'listen true');
  assert.match(lines[1], /^Webserver incoming Connection from: 127\.0\.0\.1 : \d+$/);
});

test('the HEAD request gets a real response from a node:http server', T, async (t) => {
  const track = cleanup(t);
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, host: req.headers.host, agent: req.headers['user-agent'], connection: req.headers.connection });
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Test': 'kvsocket' });
    res.end('body that HEAD must not carry');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const { port } = server.address();

  const req = new HeadRequest('127.0.0.1', port, { log: quiet });
  track(req);
  const text = await withTimeout(req.response, 5000, 'the HEAD response');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\nx-test: kvsocket\r\n/i);
  assert.match(text, /\r\nconnection: close\r\n/i);
  assert.ok(!text.includes('body that HEAD must not carry'));
  assert.deepEqual(seen, [{ method: 'HEAD', url: '/', host: `127.0.0.1:${port}`, agent: 'KVIrc socket', connection: 'Close' }]);
  assert.deepEqual(req.events.slice(0, 3), ['stateChanged(Connecting)', 'stateChanged(Connected)', 'connected']);
  assert.ok(req.events.includes('disconnected("")'));
  assert.equal(req.status(), 0, 'deleted after the disconnect');
});

test('the HEAD request through a host name (localhost)', T, async (t) => {
  const track = cleanup(t);
  const server = http.createServer((req, res) => res.end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const req = track(new HeadRequest('localhost', server.address().port, { log: quiet }));
  const text = await withTimeout(req.response, 5000, 'the HEAD response');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.deepEqual(req.events.slice(0, 3), ['stateChanged(HostLookUp)', 'hostFound', 'stateChanged(Connecting)']);
});

test('the HEAD request against the webserver (the demo pairing)', T, async (t) => {
  const track = cleanup(t);
  const server = track(new WebServer(0, '127.0.0.1', { log: quiet }));
  const port = await server.whenListening();
  const req = track(new HeadRequest('127.0.0.1', port, { log: quiet }));
  const text = await withTimeout(req.response, 5000, 'the response');
  assert.equal(text, `HTTP/1.0 200 OK\r\n\r\n${PAGE}`);
});

test('the HEAD request rejects when the connection is refused', T, async (t) => {
  const port = await freePort();
  const req = cleanup(t)(new HeadRequest('127.0.0.1', port, { log: quiet }));
  await assert.rejects(withTimeout(req.response, 5000, 'the failure'), /ConnectionRefused/);
});

function run(script, args = []) {
  return withTimeout(new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: examples, timeout: 9000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr });
    });
  }), 9500, script);
}

test('demo.js runs the two examples against each other and exits 0', T, async () => {
  const { code, stdout, stderr } = await run('demo.js');
  assert.equal(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stdout, /HEAD \/ → HTTP\/1\.0 200 OK/);
  assert.match(stdout, /GET \/ → HTTP\/1\.0 200 OK/);
  assert.match(stdout, /<h1>KVIrc Webserver<\/h1>/);
});

test('webserver.js and head.js run as scripts and exit by themselves', T, async () => {
  const port = await freePort(); // for the pair

  const serving = run('webserver.js', [String(port), '1']);
  let head;
  for (let i = 0; i < 50; i++) {
    head = await run('head.js', ['127.0.0.1', String(port)]);
    if (head.code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server may not listen yet
  }
  assert.equal(head.code, 0, `${head.stdout}\n${head.stderr}`);
  assert.match(head.stdout, /HTTP\/1\.0 200 OK/);
  assert.match(head.stdout, /Connection is closed/);
  const served = await serving;
  assert.equal(served.code, 0, `${served.stdout}\n${served.stderr}`);
  assert.match(served.stdout, /Webserver incoming Connection from: 127\.0\.0\.1/);
});
