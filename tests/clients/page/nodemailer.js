// A page that sends a mail with the npm `nodemailer` client, unmodified, through an SMTP server
// that requires STARTTLS: the connection is a kvsocket/net socket handed over by nodemailer's
// `getSocket` option (as in tests/clients/nodemailer.test.js: nodemailer's own net.connect passes
// an option of its own that kvsocket/net refuses as unknown, docs/net.md), and nodemailer's
// `node:tls` is kvsocket/tls by the bundler's alias (mailBuild in bundlers.js), so TLS runs in
// the page and the proxy carries ciphertext only. window.run(proxy, { port, ca, text }) sends
// one mail and answers with what the page saw of it (tests/clients/page-clients.test.js).
import './globals.js';
import nodemailer from 'nodemailer';
import net from 'net';
import tls from 'tls';

window.run = async (proxy, { port, ca, text }) => {
  net.setDefaultProxy(proxy);
  const sockets = [];
  const upgrades = [];
  // Each upgrade nodemailer makes is kept (the module object nodemailer imported, observed).
  const connect = tls.connect;
  tls.connect = (...args) => { const secured = connect(...args); upgrades.push({ options: args[0], secured }); return secured; };
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port, secure: false, requireTLS: true,
    tls: { servername: 'localhost', ca },
    getSocket: (options, callback) => {
      const socket = net.connect(options.port, options.host);
      sockets.push(socket);
      socket.once('error', callback);
      socket.once('connect', () => { socket.off('error', callback); callback(null, { connection: socket }); });
    },
  });
  try {
    const info = await transport.sendMail({ from: 'kv@kvsocket.test', to: 'you@kvsocket.test', subject: 'kvsocket STARTTLS in a page', text });
    const [upgrade] = upgrades;
    return {
      accepted: info.accepted,
      sockets: sockets.length,
      upgrades: upgrades.length,
      overTheSocket: upgrade?.options.socket === sockets[0],
      tls: upgrade?.secured instanceof tls.TLSSocket,
      authorized: upgrade?.secured.authorized,
      protocol: upgrade?.secured.getProtocol(),
    };
  } finally {
    tls.connect = connect;
    transport.close();
  }
};
