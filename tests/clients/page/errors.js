// A page that reports how kvsocket/net fails: window.run(proxy, port) connects to
// 127.0.0.1:port through `proxy` and answers with the 'error' it got (tests/clients/page.test.js).
import './globals.js';
import net from 'net';

window.run = async (proxy, port) => {
  const socket = new net.Socket({ proxy, connectTimeout: 5000 }).connect(port, '127.0.0.1');
  const err = await new Promise((resolve) => socket.once('error', resolve));
  return { code: err.code, kvircCode: err.kvircCode, message: err.message };
};
