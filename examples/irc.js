// An IRC client in a few lines: what KVIrc scripts do with the socket class. It registers,
// answers PING, joins a channel, says something and quits.
//
//   node examples/irc.js [host=127.0.0.1] [port=6667] [nick=kvsocket] [#channel]
import { Socket } from 'kvsocket';
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';

export class IrcClient extends Socket {
  #partial = '';
  #waiters = [];

  constructor(nick, { channel = '#kvsocket', log = () => {} } = {}) {
    super();
    this.nick = nick;
    this.channel = channel;
    this.log = log;
    this.lines = []; // every line the server sent
  }

  connectedEvent() {
    this.send(`NICK ${this.nick}`);
    this.send(`USER ${this.nick} 0 * :kvsocket example`);
  }

  // IRC is line based, and TCP may split a line across reads: keep the tail for the next read.
  dataAvailableEvent() {
    const lines = (this.#partial + this.read()).split('\r\n');
    this.#partial = lines.pop();
    for (const line of lines) this.#handle(line);
  }

  disconnectEvent(error) {
    this.log(`${this.nick}: disconnected${error ? `: ${error}` : ''}`);
  }

  send(line) {
    this.log(`${this.nick} -> ${line}`);
    return this.write(`${line}\r\n`);
  }

  say(text) {
    return this.send(`PRIVMSG ${this.channel} :${text}`);
  }

  quit(message = 'bye') {
    this.send(`QUIT :${message}`);
  }

  /** Resolves with the first server line matching `pattern` (already seen or still to come). */
  waitFor(pattern, timeoutMs = 5000) {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.nick}: no line matching ${pattern}`)), timeoutMs);
      this.#waiters.push({ pattern, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  #handle(line) {
    this.lines.push(line);
    this.log(`${this.nick} <- ${line}`);
    if (line.startsWith('PING ')) this.send(`PONG ${line.slice(5)}`);
    else if (/^\S+ 001 /.test(line)) this.send(`JOIN ${this.channel}`); // registered
    this.#waiters = this.#waiters.filter((w) => !(w.pattern.test(line) && (w.resolve(line), true)));
  }
}

const isMain = (() => {
  try { return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href; } catch { return false; }
})();
if (isMain) {
  const [host = '127.0.0.1', port = '6667', nick = 'kvsocket', channel = '#kvsocket'] = process.argv.slice(2);
  const client = new IrcClient(nick, { channel, log: console.log });
  client.connectFailedEvent = (reason) => { console.error(`connect failed: ${reason}`); process.exitCode = 1; };
  client.connect(host, port);
  try {
    await client.waitFor(new RegExp(`JOIN :?${channel}`, 'i'), 10000);
    client.say('hello from kvsocket');
    client.quit('done');
    await client.waitFor(/^ERROR/, 5000);
  } catch (err) {
    console.error(err.message);
    process.exitCode = 1;
  } finally {
    client.destroy();
  }
}
