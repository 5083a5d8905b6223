// `npm run demo`: the seed's two examples against each other, on loopback, with kvsocket only.
// Starts the KVIrc webserver on 127.0.0.1 (a port the system picks), sends it the seed's HEAD
// request and then a GET, prints the status line, the events each client saw and the page,
// then closes everything and exits 0 (1 if anything failed).
import { WebServer } from './webserver.js';
import { HeadRequest } from './head.js';

const quiet = () => {};

function timeout(ms, what) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref());
}

async function request(method, port) {
  const client = new HeadRequest('127.0.0.1', port, { method, log: quiet });
  const text = await Promise.race([client.response, timeout(5000, `${method} request`)]);
  const [head, ...body] = text.split(/\r?\n\r?\n/);
  console.log(`\n${method} / → ${head.split(/\r?\n/)[0]}`);
  console.log(`  events: ${client.events.join(', ')}`);
  console.log(`  status after: ${client.status(true)}`);
  return { head, body: body.join('\n\n') };
}

let server;
try {
  const lines = [];
  server = new WebServer(0, '127.0.0.1', { log: (line) => lines.push(line) });
  const port = await Promise.race([server.whenListening(), timeout(5000, 'listen')]);
  console.log(`webserver: ${lines.join('; ')}; status ${server.status(true)} on 127.0.0.1:${port}`);

  await request('HEAD', port);
  const { body } = await request('GET', port);
  console.log(`  page: ${body.trim()}`);

  console.log(`\nwebserver log:\n  ${lines.join('\n  ')}`);
  server.close();
  console.log(`webserver closed: status ${server.status(true)}`);
  server.destroy();
  if (!body.includes('<h1>KVIrc Webserver</h1>')) throw new Error('the page did not arrive');
  process.exitCode = 0;
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  server?.destroy();
  process.exitCode = 1;
}
