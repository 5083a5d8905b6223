// The seed's HEAD request (examples/head.js), in a page: a Socket subclass whose event methods
// do the work, with the page showing what happens.
import { Socket } from '/js/browser/index.js';
import config from '/config.js';
import { $, socketView } from './ui.js';

Socket.defaultProxy = config.proxy;
const view = socketView($('#socket'));

class HeadRequest extends Socket {
  constructor(host, port) {
    super();
    this.host = host;
    this.port = port;
    view.attach(this);
    // connect to the server
    if (!this.connect(host, port)) this.finish(`connect: ${this.lastError()}`);
  }

  connectedEvent() {
    // connection is complete: ask for the headers only
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    const n = this.write(`HEAD / HTTP/1.1\r\nHost: ${host}:${this.port}\r\nConnection: Close\r\nUser-Agent: KVIrc socket\r\n\r\n`);
    view.wrote(n);
    view.note(`written bytes ${n} on socket`);
  }

  dataAvailableEvent(length) {
    // reading the received data
    $('#response').textContent += this.read(length);
    view.read(length);
  }

  errorEvent(code, message) {
    view.note(`Connection failed: ${code} (${message})`);
  }

  disconnectedEvent(error) {
    this.finish(error ? `Connection is closed: ${error}` : 'Connection is closed');
  }

  finish(text) {
    view.note(text);
    $('#run').disabled = false;
    // KVIrc's `delete $$`, once the page has seen this last event.
    setTimeout(() => this.destroy());
  }
}

$('#proxy').textContent = config.proxy;
$('#host').value = config.site.host;
$('#port').value = config.site.port;
$('#run').disabled = false;
$('#request').addEventListener('submit', (e) => {
  e.preventDefault();
  $('#run').disabled = true;
  $('#response').textContent = '';
  new HeadRequest($('#host').value.trim(), Number($('#port').value));
});
