// A page that runs the npm `irc-framework` client, unmodified, over kvsocket/net: its TCP
// transport's require('net') is kvsocket/net by the bundler's alias. irc-framework's browser
// build (its package.json `browser` field) keeps only its WebSocket transport (its build deletes
// transports/net.js), so the page imports the package's Node source, irc-framework/src/index.js
// (docs/net.md). window.run(proxy, { port, nick, channel }) registers, joins `channel`, asks the
// test (window.secondClient, a binding to Node) for a message from a second client there, and
// answers with what arrived (tests/clients/page-clients.test.js).
import './globals.js';
import { Client } from 'irc-framework/src/index.js';
import net from 'net';

const waitFor = (emitter, event, test = () => true) => new Promise((resolve) => {
  const on = (e) => { if (test(e)) { emitter.removeListener(event, on); resolve(e); } };
  emitter.on(event, on);
});

window.run = async (proxy, { port, nick, channel }) => {
  net.setDefaultProxy(proxy);
  const client = new Client({ host: '127.0.0.1', port, nick, username: nick, gecos: 'kvsocket page', auto_reconnect: false });
  try {
    const registered = waitFor(client, 'registered');
    client.connect();
    const out = { registered: (await registered).nick };
    out.kvsocket = client.connection.transport.socket instanceof net.Socket;
    const joined = waitFor(client, 'join', (e) => e.nick === nick && e.channel === channel);
    client.join(channel);
    await joined;
    const heard = waitFor(client, 'message', (e) => e.target === channel);
    const second = await window.secondClient(channel); // joins, and says its line once it sees our nick there
    const { nick: from, message } = await heard;
    out.message = { from, message, second };
    const closed = waitFor(client.connection.transport.socket, 'close');
    client.quit('bye from a page');
    out.cleanEnd = (await closed) === false;
    return out;
  } finally {
    if (client.connection.connected) client.quit(); // a failure on the way: leave the server
  }
};
