// The Wisp server of benches/wisp.js, in a process of its own so that the clients measured do
// not share its CPU: the @mercuryworkshop/wisp-js server (loopback allowed), a source target
// that sends TOTAL bytes to each connection, and a sink that answers one byte once TOTAL came
// ('!', or '?' when more than TOTAL came).
// With `proxy` as the second argument the server is kvsocket-proxy's /wisp/ endpoint instead;
// with `bare`, a bare Wisp server that is its own source and sink (wisp-bare.js: ports 1 and 2).
// Prints "WISP_URL SOURCE_PORT SINK_PORT" and lives until its stdin closes (or LIFETIME_S).
import http from 'node:http';
import net from 'node:net';
import { server as wispServer, logging } from '@mercuryworkshop/wisp-js/server';
import { startProxy } from '../js/proxy/server.js';
import { startBareWisp } from './wisp-bare.js';

const TOTAL = Number(process.argv[2]);
wispServer.options.allow_loopback_ips = true;
logging.set_level(logging.ERROR);

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const chunk = Buffer.alloc(64 * 1024, 0x61);

const source = net.createServer((c) => {
  c.on('error', () => {});
  let left = TOTAL;
  const more = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!c.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return c.once('drain', more);
    }
  };
  more();
});
const sink = net.createServer((c) => {
  c.on('error', () => {});
  let got = 0;
  c.on('data', (d) => {
    got += d.length;
    if (got >= TOTAL && got - d.length < TOTAL) c.write(got === TOTAL ? '!' : '?'); // '?': too many
  });
});
const web = http.createServer((req, res) => res.writeHead(404).end());
web.on('upgrade', (req, socket, head) => wispServer.routeRequest(req, socket, head));

const [sourcePort, sinkPort] = await Promise.all([listen(source), listen(sink)]);
if (process.argv[3] === 'bare') {
  process.stdout.write(`${await startBareWisp(TOTAL)} 1 2\n`);
} else if (process.argv[3] === 'proxy') {
  const proxy = await startProxy({ allow: [`127.0.0.1:${sourcePort}`, `127.0.0.1:${sinkPort}`], log: () => {} });
  process.stdout.write(`${proxy.url}wisp/ ${sourcePort} ${sinkPort}\n`);
} else {
  process.stdout.write(`ws://127.0.0.1:${await listen(web)}/ ${sourcePort} ${sinkPort}\n`);
}
const stop = () => process.exit(0);
process.stdin.on('end', stop).on('close', stop).resume();
setTimeout(stop, Number(process.env.LIFETIME_S ?? 300) * 1000).unref();
