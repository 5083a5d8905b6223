// What the demo's pages talk to, on 127.0.0.1 (Node side, not served to the page):
// a small HTTP site (the HEAD request's target) and a line-based TCP chat server.
import http from 'node:http';
import net from 'node:net';

const listen = (server) => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve(server.address().port));
});

/** An HTTP server that answers every request with a small page and a header to look for. */
export async function startSite() {
  const server = http.createServer((req, res) => {
    const body = '<!doctype html><title>kvsocket demo site</title><h1>Hello from the demo site</h1>\n';
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Served-By': 'kvsocket demo site',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const port = await listen(server);
  return {
    port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** A chat server: every line a client sends goes to every client (the sender too). */
export async function startChat() {
  const clients = new Set();
  const broadcast = (line) => { for (const c of clients) c.write(`${line}\n`); };
  const server = net.createServer((sock) => {
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    clients.add(sock);
    broadcast(`* someone joined (${clients.size} online)`);
    let partial = '';
    sock.on('data', (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop().slice(-4096); // an endless line is cut, not kept forever
      for (const line of lines) if (line.trim()) broadcast(line.replace(/\r$/, '').slice(0, 1000));
    });
    sock.on('close', () => {
      clients.delete(sock);
      broadcast(`* someone left (${clients.size} online)`);
    });
  });
  const port = await listen(server);
  return {
    port,
    close: () => new Promise((resolve) => {
      for (const c of clients) c.destroy();
      server.close(resolve);
    }),
  };
}
