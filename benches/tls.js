// `npm run bench` TLS rows (benches/tls.sh): kvsocket's Node TLS (node:tls under the engine's
// TLS phase) against node:tls alone (`tls.connect`), 64 MiB each way to a node:tls server on
// loopback with a test CA made here; and the page's TLS module (pkg/kvsocket_tls*, rustls in
// wasm) decrypting the same download over plain net, the figure behind docs/design.md's choice.
// Prints one line per row, best of RUNS.
import tls from 'node:tls';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { Socket } from '../js/node/index.js';
import { loadTls } from '../js/tls/load.js';
import { makeCerts } from '../tests/tls/servers.js';

const SIZE = 64 * 1024 * 1024;
const RUNS = 3;
const certs = makeCerts();
const ca = certs.ca;
const chunk = Buffer.alloc(64 * 1024, 0x5a);

// mode 'down': the server sends SIZE then ends; 'up': it counts SIZE and answers "ok".
const server = tls.createServer({ cert: readFileSync(certs.file('server.pem')), key: readFileSync(certs.file('server.key')) }, (s) => {
  s.on('error', () => {});
  s.once('data', (first) => {
    if (first[0] === 0x44 /* D */) {
      let left = SIZE;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!s.write(chunk)) return s.once('drain', pump);
        }
        s.end();
      };
      pump();
    } else {
      let got = first.length - 1;
      s.on('data', (d) => {
        got += d.length;
        if (got >= SIZE) s.end('ok');
      });
    }
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const mib = (ms) => (SIZE / 1048576) / (ms / 1000);

async function nodeTls(dir) {
  const t0 = performance.now();
  await new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca }, () => {
      if (dir === 'down') return s.write('D');
      s.write('U');
      let left = SIZE;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!s.write(chunk)) return s.once('drain', pump);
        }
      };
      pump();
    });
    s.on('data', () => {});
    s.on('end', resolve);
  });
  return mib(performance.now() - t0);
}

async function kvsocket(dir) {
  const t0 = performance.now();
  await new Promise((resolve) => {
    const s = new Socket({ tls: { ca, servername: 'localhost' } });
    s.connectedEvent = () => {
      if (dir === 'down') return s.write('D');
      s.write('U');
      let left = SIZE;
      const pump = () => {
        while (left > 0 && !s.needsDrain()) {
          left -= chunk.length;
          s.write(chunk);
        }
      };
      s.drainEvent = pump;
      pump();
    };
    s.dataAvailableEvent = () => { s.readBytes(); };
    s.disconnectEvent = () => { s.destroy(); resolve(); };
    s.connect('127.0.0.1', port);
  });
  return mib(performance.now() - t0);
}

async function wasmDown() {
  const { TlsClient } = await loadTls();
  const t0 = performance.now();
  await new Promise((resolve) => {
    const c = new TlsClient('localhost', [ca], true, []);
    const s = net.connect(port, '127.0.0.1');
    let asked = false;
    s.on('connect', () => s.write(c.takeCiphertext()));
    s.on('data', (d) => {
      c.feed(d);
      const out = c.takeCiphertext();
      if (out.length) s.write(out);
      if (!asked && c.phase() === 1) { asked = true; s.write(c.write(Buffer.from('D'))); }
    });
    s.on('end', resolve);
  });
  return mib(performance.now() - t0);
}

const best = async (f, ...a) => { let b = 0; for (let i = 0; i < RUNS; i++) b = Math.max(b, await f(...a)); return b; };
for (const dir of ['down', 'up']) {
  const base = await best(nodeTls, dir);
  const ours = await best(kvsocket, dir);
  console.log(`TLS ${dir === 'down' ? 'download' : 'upload  '} 64 MiB, Node: kvsocket ${ours.toFixed(0)} MiB/s, tls.connect ${base.toFixed(0)} MiB/s: ${(ours / base).toFixed(2)}x`);
}
console.log(`TLS download 64 MiB, the page's wasm TLS module over net in Node: ${(await best(wasmDown)).toFixed(0)} MiB/s`);
server.close();
certs.remove();
