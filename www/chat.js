// A line-based chat client: a Socket subclass that splits what it reads into lines.
import { Socket } from '/js/browser/index.js';
import config from '/config.js';
import { $, socketView } from './ui.js';

// wisp-chat.html (data-via="wisp"): the same chat over the proxy's Wisp endpoint, where every
// socket of the page shares one WebSocket.
const proxy = document.documentElement.dataset.via === 'wisp' ? config.wisp : config.proxy;
Socket.defaultProxy = proxy;
const view = socketView($('#socket'));

function show(line) {
  const li = document.createElement('li');
  li.textContent = line;
  if (line.startsWith('* ')) li.className = 'system';
  $('#messages').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

function connectedUi(on) {
  $('#say').disabled = !on;
  $('#send').disabled = !on;
  $('#connect').textContent = on ? 'Disconnect' : 'Connect';
  $('#connect').disabled = false;
}

class ChatClient extends Socket {
  partial = '';

  constructor(nick) {
    super();
    this.nick = nick;
    view.attach(this);
    if (!this.connect(config.chat.host, config.chat.port)) view.note(`connect: ${this.lastError()}`);
  }

  connectedEvent() {
    connectedUi(true);
    $('#say').focus();
  }

  say(text) {
    const n = this.write(`<${this.nick}> ${text}\n`);
    view.wrote(n);
  }

  dataAvailableEvent(length) {
    const lines = (this.partial + this.read()).split('\n');
    view.read(length);
    this.partial = lines.pop();
    lines.forEach(show);
  }

  connectFailedEvent(reason) {
    view.note(`could not connect: ${reason}`);
    connectedUi(false);
  }

  disconnectedEvent(error) {
    show(error ? `* disconnected: ${error}` : '* disconnected');
    connectedUi(false);
  }
}

let client = null;
const params = new URLSearchParams(location.search);
$('#proxy').textContent = proxy;
$('#nick').value = params.get('nick') ?? `guest${Math.floor(Math.random() * 1000)}`;
$('#connect').disabled = false;

$('#join').addEventListener('submit', (e) => {
  e.preventDefault();
  if (client && client.status() !== 0) {
    client.close();
    return;
  }
  $('#connect').disabled = true;
  client = new ChatClient($('#nick').value.trim() || 'guest');
});

$('#talk').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('#say').value.trim();
  if (!text || !client) return;
  client.say(text);
  $('#say').value = '';
});
