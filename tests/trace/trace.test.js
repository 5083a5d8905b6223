// One trace, two hosts (issue 4): tests/trace/scenario.js runs once with Node's Socket and once
// in headless Chromium with the browser's Socket through kvsocket-proxy (TCP tunnels, the reverse
// tunnel for listen, the datagram mode for UDP); the lines a script observed must be equal,
// except where docs/spec.md says the hosts differ: HostLookUp and hostFound happen in Node only (the
// proxy resolves names). A target the proxy cannot reach fails with the same error as in Node:
// the browser host asks kvsocket-proxy to report the connect's outcome (report=1).
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Socket } from 'kvsocket';
import { startProxy } from '../../js/proxy/server.js';
import { startTargets, closedPort } from '../browser/targets.js';
import { root, launchChromium, servePackage } from '../browser/harness.js';
import { runScenario } from './scenario.js';
import { makeCerts, sServer } from '../tls/servers.js';
import { startTlsServer } from '../tls/starttls-server.js';

const differsByHost = (host) => (line) => {
  if (host === 'node') return !/stateChanged HostLookUp$|hostFound$/.test(line);
  return true;
};

test('the same scenario gives the same trace in Node and in Chromium through kvsocket-proxy', { timeout: 60000 }, async (t) => {
  const targets = await startTargets();
  const closed = await closedPort();
  const proxy = await startProxy({
    listen: '127.0.0.1:0',
    // 127.0.0.1:* also lets the scenario's sockets reach each other: its listening socket
    // (through the reverse tunnel) and its bound UDP socket (as a target and as a destination).
    allow: ['127.0.0.1:*', `localhost:${targets.port}`],
    allowListen: ['127.0.0.1:*'],
    log: () => {},
  });
  const web = await servePackage({ extra: ['/tests/trace/'] });
  t.after(async () => {
    web.close();
    await proxy.close();
    await targets.close();
  });
  // TLS: s_server (lines back reversed), a STARTTLS line server, a certificate for another name.
  const certs = makeCerts();
  const [tlsServer, starttls, wrongName] = await Promise.all([
    sServer(certs, {}), startTlsServer(certs), sServer(certs, { cert: 'wrongname' }),
  ]);
  t.after(async () => {
    await Promise.all([tlsServer.close(), starttls.close(), wrongName.close()]);
    certs.remove();
  });
  const tls = { ca: certs.ca, port: tlsServer.port, starttlsPort: starttls.port, wrongNamePort: wrongName.port };
  const env = { ip: '127.0.0.1', port: targets.port, closedPort: closed, tls };

  const nodeLines = await runScenario(Socket, env);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(web.url);
  const browserLines = await page.evaluate(async ({ env, proxyUrl }) => {
    const { Socket } = await import('/js/browser/index.js');
    const { runScenario } = await import('/tests/trace/scenario.js');
    Socket.defaultProxy = proxyUrl;
    return runScenario(Socket, env);
  }, { env, proxyUrl: `${proxy.url}?host={host}&port={port}` });

  const out = path.join(root, 'test-output');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'trace-node.txt'), nodeLines.join('\n') + '\n');
  await writeFile(path.join(out, 'trace-chromium.txt'), browserLines.join('\n') + '\n');

  assert.deepEqual(pageErrors, []);
  assert.ok(nodeLines.some((l) => l.endsWith('stateChanged HostLookUp')), 'Node resolves names itself');
  assert.ok(!nodeLines.some((l) => l.includes('FAILED')), nodeLines.join('\n'));
  for (const label of ['accepted', 'bound', 'udpClient', 'tlsConnect', 'starttls', 'tlsRefused']) {
    assert.ok(nodeLines.some((l) => l.startsWith(`${label}: `)), `the trace has the ${label} socket's lines`);
  }
  assert.deepEqual(
    browserLines.filter(differsByHost('browser')),
    nodeLines.filter(differsByHost('node')),
  );
});
