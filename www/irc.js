// An IRC client in the page: a Socket subclass, as a KVIrc script would write it. It registers
// (NICK, USER), answers PING, joins the channel once the server welcomed it (001), and shows the
// channel's PRIVMSG, JOIN, PART and QUIT lines. ?nick=…&channel=…&autoconnect=1 fill the form.
import { Socket } from '/js/browser/index.js';
import config from '/config.js';
import { $, socketView } from './ui.js';

Socket.defaultProxy = config.proxy;
const view = socketView($('#socket'));

function show(text, kind = '') {
  const li = document.createElement('li');
  li.textContent = text;
  if (kind) li.className = kind;
  $('#messages').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

function connectedUi(on) {
  $('#say').disabled = !on;
  $('#send').disabled = !on;
  $('#connect').textContent = on ? 'Quit' : 'Connect';
  $('#connect').disabled = false;
}

/** `:prefix COMMAND params :trailing` -> { nick, command, params } (trailing is the last param). */
function parse(line) {
  const m = /^(?::(\S+) )?(\S+)(.*)$/.exec(line);
  if (!m) return null;
  const [, prefix = '', command, rest] = m;
  const at = rest.indexOf(' :');
  const params = (at < 0 ? rest : rest.slice(0, at)).trim().split(' ').filter(Boolean);
  if (at >= 0) params.push(rest.slice(at + 2));
  return { nick: prefix.split('!')[0], command: command.toUpperCase(), params };
}

class IrcClient extends Socket {
  partial = '';

  constructor(nick, channel) {
    super();
    this.nick = nick;
    this.channel = channel;
    view.attach(this);
    if (!this.connect(config.irc.host, config.irc.port)) view.note(`connect: ${this.lastError()}`);
  }

  send(line) {
    view.wrote(this.write(`${line}\r\n`));
  }

  connectedEvent() {
    this.send(`NICK ${this.nick}`);
    this.send(`USER ${this.nick} 0 * :kvsocket IRC page`);
    show(`* connected to ${config.irc.host}:${config.irc.port}, registering as ${this.nick}`, 'system');
  }

  // TCP may split a line across reads: the tail waits for the next read.
  dataAvailableEvent(length) {
    view.read(length);
    const lines = (this.partial + this.read()).split('\r\n');
    this.partial = lines.pop();
    for (const line of lines) this.#handle(line);
  }

  #handle(line) {
    const msg = parse(line);
    if (!msg) return;
    const { nick, command, params } = msg;
    switch (command) {
      case 'PING': return this.send(`PONG :${params[0] ?? ''}`);
      case '001': // welcome: registered
        show(`* ${params[1] ?? 'welcome'}`, 'system');
        return this.send(`JOIN ${this.channel}`);
      case 'JOIN':
        if (nick === this.nick) connectedUi(true);
        return show(`* ${nick} joined ${params[0]}`, 'system');
      case 'PART': return show(`* ${nick} left ${params[0]}`, 'system');
      case 'QUIT': return show(`* ${nick} quit (${params[0] ?? ''})`, 'system');
      case 'PRIVMSG': return show(`<${nick}> ${params[1] ?? ''}`);
      case '433': return show(`* the nick ${this.nick} is taken; choose another`, 'bad');
      case 'ERROR': return show(`* server: ${params[0] ?? ''}`, 'system');
      default: return undefined;
    }
  }

  say(text) {
    this.send(`PRIVMSG ${this.channel} :${text}`);
    show(`<${this.nick}> ${text}`, 'mine');
  }

  connectFailedEvent(reason) {
    view.note(`could not connect: ${reason}`);
    connectedUi(false);
  }

  disconnectEvent(error) {
    show(error ? `* disconnected: ${error}` : '* disconnected', 'system');
    connectedUi(false);
  }
}

let client = null;
const params = new URLSearchParams(location.search);
$('#nick').value = params.get('nick') ?? `guest${Math.floor(Math.random() * 1000)}`;
$('#channel').value = params.get('channel') ?? '#kvsocket';
if (!config.irc) {
  $('#server').textContent = 'none: ngircd is not installed (npm run setup installs it)';
} else {
  $('#server').textContent = `${config.irc.host}:${config.irc.port}`;
  $('#connect').disabled = false;
}

function start() {
  if (client && client.status() !== 0) {
    client.send('QUIT :bye');
    return;
  }
  $('#connect').disabled = true;
  client = new IrcClient($('#nick').value.trim() || 'guest', $('#channel').value.trim() || '#kvsocket');
}

$('#join').addEventListener('submit', (e) => {
  e.preventDefault();
  start();
});

$('#talk').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('#say').value.trim();
  if (!text || !client) return;
  client.say(text);
  $('#say').value = '';
});

if (config.irc && params.get('autoconnect') === '1') start();
