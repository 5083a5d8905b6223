// The seed's second example, KVIrc's socket-class HEAD request, ported to kvsocket.
//
// KVIrc (src/modules/objects/KvsObject_socket.cpp, @examples):
//
//   # Client socket - go to google and grab request header
//   class("httprequest","socket")
//   {
//       function errorEvent()
//       {
//           # the connection to the server failed
//           debug  "Connection failed: "$0
//           delete $$
//       }
//       function disconnectedEvent()
//       {
//           # connection has been closed
//           debug  "Connection is closed"
//           delete $$
//       }
//       function destructor()
//       {
//           # if the socket is still open close it
//           if(@$status() == "Connected") @$close()
//       }
//       function stateChangedEvent()
//       {
//           debug socket state $0
//       }
//       function dataAvailableEvent()
//       {
//           # reading the received data
//           debug reading $0 bytes
//           %newdata  = @$read($0)
//           debug data:  %newdata
//           # close and delete the socket
//           @$close()
//           delete $$
//       }
//       function constructor()
//       {
//           # connect to the server
//           @$connect("www.google.com",80)
//       }
//       function connectedEvent()
//       {
//           # connection is complete
//           # send a request to receive the headers only from http://www.google.com/
//           debug connected
//           debug written bytes @$write("HEAD / HTTP/1.1\r\nHost: www.google.de\r\nConnection: Close\r\nUser-Agent: KVIrc socket\r\n\r\n") on socket;
//       }
//   }
//   %Temp = $new(httprequest)
//
// Differences: the target is a local host and port (default 127.0.0.1:8080, where
// examples/webserver.js listens); the Host header names it. dataAvailableEvent echoes what it
// reads and keeps reading: the request says "Connection: Close", so the server's close ends it
// (disconnectedEvent), and a response that arrives in several pieces is not cut after the first.
// `delete $$` is destroy(). The class resolves `response` with the text it read.
//
// Run: node examples/head.js [host=127.0.0.1] [port=8080]
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { Socket } from 'kvsocket';

export class HeadRequest extends Socket {
  /**
   * Connects to `host`:`port` at once, like the seed's constructor, and sends `method` `path`
   * when connected. `response` resolves with everything read once the server closes, or rejects
   * with the error when the connection fails.
   */
  constructor(host = '127.0.0.1', port = 8080, { method = 'HEAD', path = '/', log = console.log } = {}) {
    super();
    this.host = host;
    this.port = port;
    this.method = method;
    this.path = path;
    this.log = log;
    this.text = '';
    this.events = [];
    this.response = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    // connect to the server
    if (!this.connect(host, port)) this.fail('connect', this.lastError());
  }

  fail(code, message) {
    // the connection to the server failed
    this.log(`Connection failed: ${code}${message ? ` (${message})` : ''}`);
    this.reject(new Error(`${code}: ${message}`));
    this.destructor();
  }

  errorEvent(code, message) {
    this.events.push(`error(${code})`);
    this.fail(code, message);
  }

  disconnectedEvent(error) {
    this.events.push(`disconnected(${JSON.stringify(error)})`);
    // connection has been closed
    this.log('Connection is closed');
    this.text += this.read(); // anything that arrived with the close
    this.resolve(this.text);
    this.destructor();
  }

  /** KVIrc's destructor and `delete $$`: close if still connected, then free the socket. */
  destructor() {
    // if the socket is still open close it
    if (this.status(true) === 'Connected') this.close();
    this.destroy();
  }

  stateChangedEvent(name) {
    this.events.push(`stateChanged(${name})`);
    this.log(`socket state ${name}`);
  }

  hostFoundEvent() {
    this.events.push('hostFound');
  }

  dataAvailableEvent(length) {
    this.events.push(`dataAvailable(${length})`);
    // reading the received data
    this.log(`reading ${length} bytes`);
    const newdata = this.read(length);
    this.log(`data: ${newdata}`);
    this.text += newdata;
  }

  connectedEvent() {
    this.events.push('connected');
    // connection is complete: send a request for the headers only
    this.log('connected');
    const hostHeader = this.host.includes(':') && !this.host.startsWith('[') ? `[${this.host}]` : this.host;
    const written = this.write(
      `${this.method} ${this.path} HTTP/1.1\r\nHost: ${hostHeader}:${this.port}\r\n`
      + 'Connection: Close\r\nUser-Agent: KVIrc socket\r\n\r\n',
    );
    this.log(`written bytes ${written} on socket`);
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
  const host = process.argv[2] ?? '127.0.0.1';
  const port = process.argv[3] ?? 8080;
  const temp = new HeadRequest(host, port);
  temp.response.then(
    () => { process.exitCode = 0; },
    () => { process.exitCode = 1; },
  );
}
