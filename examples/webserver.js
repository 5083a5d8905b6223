// The seed's first example, KVIrc's socket-class webserver, ported to kvsocket.
//
// KVIrc (src/modules/objects/KvsObject_socket.cpp, @examples):
//
//   # Server socket: listen 8080 port and answer to requests (multi-threaded)
//   class("webserver","socket")
//   {
//       function incomingConnectionEvent()
//       {
//           # incoming connection socket passed by the framework
//           %socket = $0
//           debug "Webserver incoming Connection from: %socket->$remoteIp : %socket->$remotePort"
//           %socket->$write("HTTP/1.0 200 OK\n\n<html><head></head><body><h1>KVIrc Webserver</h1></body></html>\n")
//           # tells KVIrc no need this socket anymore
//           return $true()
//       }
//       function constructor()
//       {
//           debug listen @$listen(8080, "127.0.0.1")
//       }
//   }
//   # finally start webserver
//   %WebS = $new(webserver)
//
// As in KVIrc the handler writes the page and returns true without accepting the connection:
// kvsocket then flushes what the handler wrote and closes the connection gracefully (docs/spec.md,
// "Incoming connections"). One deviation: the status line ends in CRLF, because a real HTTP
// client (node:http's strict parser) refuses KVIrc's bare "\n".
//
// Run: node examples/webserver.js [port=8080] [requests=1]
// It serves that many requests (0: until Ctrl-C), then closes and exits.
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { Socket } from 'kvsocket';

export const PAGE = '<html><head></head><body><h1>KVIrc Webserver</h1></body></html>\n';
export const RESPONSE = `HTTP/1.0 200 OK\r\n\r\n${PAGE}`;

export class WebServer extends Socket {
  /**
   * Listens on `port` (0: the system picks; see `localPort()`) of `iface`, like the seed's
   * constructor. `log` receives the seed's debug lines; `onServed` is called after each page.
   */
  constructor(port = 8080, iface = '127.0.0.1', { log = console.log, onServed } = {}) {
    super();
    this.log = log;
    this.onServed = onServed;
    this.served = 0;
    this.listening = this.listen(port, iface);
    this.log(`listen ${this.listening}${this.listening ? '' : ` (${this.lastError()})`}`);
  }

  /** Resolves with the port once it is known (listen(0) picks one), rejects on a listen error. */
  whenListening() {
    return new Promise((resolve, reject) => {
      const poll = () => {
        if (this.localPort() > 0) resolve(this.localPort());
        else if (this.status() === 0) reject(new Error(this.lastError() || 'not listening'));
        else setTimeout(poll, 5);
      };
      poll();
    });
  }

  incomingConnectionEvent(socket) {
    // incoming connection socket passed by the framework
    this.log(`Webserver incoming Connection from: ${socket.remoteIp()} : ${socket.remotePort()}`);
    socket.write(RESPONSE);
    this.served++;
    this.onServed?.(this.served);
    // tells kvsocket no need this socket anymore: it flushes the page, then closes
    return true;
  }

  errorEvent(code, message) {
    this.log(`error ${code}: ${message}`);
  }
}

function isMain() {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const port = Number(process.argv[2] ?? 8080);
  const requests = Number(process.argv[3] ?? 1);
  // finally start webserver
  const webs = new WebServer(port, '127.0.0.1', {
    onServed: (n) => {
      if (requests > 0 && n >= requests) {
        // let the graceful close of the last connection finish, then stop listening
        setTimeout(() => { webs.close(); webs.destroy(); }, 200);
      }
    },
  });
  if (!webs.listening) {
    webs.destroy();
    process.exitCode = 1;
  } else {
    webs.addEventListener('error', () => { webs.destroy(); process.exitCode = 1; });
    process.on('SIGINT', () => webs.destroy());
    webs.whenListening().then((p) => {
      console.log(`serving ${requests > 0 ? requests : 'any number of'} request(s) on http://127.0.0.1:${p}/`);
    }, () => {});
  }
}
