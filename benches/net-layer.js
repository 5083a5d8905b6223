// What kvsocket/net's stream layer costs over kvsocket's own API: 30-byte round trips to a
// node:net echo server in another process, one after the other, over node:net (raw), over a
// kvsocket Socket (dataAvailableEvent + readBytes + write: kv) and over kvsocket/net (net), the
// three taking turns, best of 5 (wall and this process's CPU per round trip). Not part of
// benches/run.js: it explains the clients rows (docs/performance.md). Stops by itself.
import nodeNet from 'node:net';
import { spawn } from 'node:child_process';
import { Socket as KvSocket } from 'kvsocket';
import kvnet from 'kvsocket/net';
const child = spawn(process.execPath, ['-e', `const s=require('net').createServer(c=>{c.setNoDelay(true);c.on('data',d=>c.write(d))}).listen(0,'127.0.0.1',()=>console.log(s.address().port))`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number(await new Promise((r) => child.stdout.once('data', r)));
const N = 20000, msg = Buffer.alloc(30, 97);
async function viaStream(sock) {
  await new Promise((r) => sock.once('connect', r)); sock.setNoDelay(true);
  let resolve; sock.on('data', () => resolve());
  for (let i = 0; i < 2000; i++) { const p = new Promise((r) => { resolve = r; }); sock.write(msg); await p; }
  const cpu = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) { const p = new Promise((r) => { resolve = r; }); sock.write(msg); await p; }
  const u = process.cpuUsage(cpu); sock.destroy();
  return [((performance.now() - t0) * 1000 / N), (u.user + u.system) / N];
}
async function viaKv() {
  const sock = new KvSocket(); sock.connect('127.0.0.1', port); await sock.connected();
  let resolve; sock.dataAvailableEvent = () => { sock.readBytes(); resolve(); };
  for (let i = 0; i < 2000; i++) { const p = new Promise((r) => { resolve = r; }); sock.write(msg); await p; }
  const cpu = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) { const p = new Promise((r) => { resolve = r; }); sock.write(msg); await p; }
  const u = process.cpuUsage(cpu); sock.destroy();
  return [((performance.now() - t0) * 1000 / N), (u.user + u.system) / N];
}
const best = { raw: [1e9, 1e9], kv: [1e9, 1e9], net: [1e9, 1e9] };
for (let r = 0; r < 5; r++) {
  for (const [k, f] of [['raw', () => viaStream(nodeNet.connect(port, '127.0.0.1'))], ['kv', viaKv], ['net', () => viaStream(kvnet.connect(port, '127.0.0.1'))]]) {
    const [w, c] = await f(); best[k] = [Math.min(best[k][0], w), Math.min(best[k][1], c)];
  }
}
for (const [k, [w, c]] of Object.entries(best)) console.log(k.padEnd(4), 'wall', w.toFixed(1), 'µs  cpu', c.toFixed(1), 'µs', `(${process.version})`);
child.kill();
