// The Node peers of the Direct Sockets scenarios (scenarios.js), all on 127.0.0.1: a TCP echo,
// a TCP `big` server (sends BIG bytes of a pattern, then its FIN), a TCP `upload` server (reads a
// "N\n" header and N bytes, answers "N SUM\n", ends), a TCP `ask` server (reads until the
// client's FIN, then answers "got N: TEXT" and ends: a half-close peer), a UDP echo, and a port
// with nothing on it.
import net from 'node:net';
import dgram from 'node:dgram';

import { BIG, patternByte } from './check.js';
import { freePort } from '../ports.js';

export { BIG, patternByte }; // the big server's size and pattern are the scenarios' (check.js)

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

export async function startPeers() {
  const sockets = new Set();
  const track = (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); return s; };
  const echo = net.createServer((s) => track(s).pipe(s));
  const big = net.createServer((s) => {
    track(s);
    const body = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i++) body[i] = patternByte(i);
    s.end(body);
  });
  const upload = net.createServer((s) => {
    track(s);
    let head = '';
    let want = -1;
    let got = 0;
    let sum = 0;
    s.on('data', (chunk) => {
      let at = 0;
      if (want < 0) {
        const nl = chunk.indexOf(10);
        if (nl < 0) { head += chunk.toString('latin1'); return; }
        want = Number(head + chunk.subarray(0, nl).toString('latin1'));
        at = nl + 1;
      }
      for (let i = at; i < chunk.length; i++) sum = (sum + chunk[i]) >>> 0;
      got += chunk.length - at;
      if (got >= want) s.end(`${got} ${sum}\n`);
    });
  });
  const ask = net.createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      s.end(`got ${Buffer.byteLength(text)}: ${text}`);
    });
  });
  const udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (msg, from) => udpEcho.send(msg, from.port, from.address));
  await new Promise((resolve) => udpEcho.bind(0, '127.0.0.1', resolve));
  const closed = await freePort();
  const ports = {
    echo: await listen(echo),
    big: await listen(big),
    upload: await listen(upload),
    ask: await listen(ask),
    udpEcho: udpEcho.address().port,
    closed,
  };
  return {
    ports,
    close() {
      for (const s of sockets) s.destroy();
      for (const server of [echo, big, upload, ask]) server.close();
      udpEcho.close();
    },
  };
}
