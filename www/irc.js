// An IRC client in the page: a Socket subclass (talk.js's LineSocket), as a KVIrc script would
// write it. It registers (NICK, USER), answers PING, joins the channel once the server welcomed it
// (001), and shows the channel's PRIVMSG, JOIN, PART and QUIT lines.
// ?nick=…&channel=…&autoconnect=1 fill the form.
import { Socket } from '/js/browser/index.js';
import config from '/config.js';
import { $ } from './ui.js';
import { talkPage, show, connectedUi, LineSocket } from './talk.js';

Socket.defaultProxy = config.proxy;

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

class IrcClient extends LineSocket {
  constructor(nick, channel) {
    // TLS to ngircd's TLS port, checked against the demo's CA for the name localhost (the page
    // connects to 127.0.0.1); ?tls=0 for the plain port.
    const tls = config.irc.tlsPort !== undefined && new URLSearchParams(location.search).get('tls') !== '0';
    super('\r\n', tls ? { tls: { ca: config.irc.ca, servername: 'localhost' } } : undefined);
    this.nick = nick;
    this.channel = channel;
    this.port = tls ? config.irc.tlsPort : config.irc.port;
    this.open(config.irc.host, this.port);
  }

  command(line) {
    this.send(`${line}\r\n`);
  }

  connectedEvent() {
    this.command(`NICK ${this.nick}`);
    this.command(`USER ${this.nick} 0 * :kvsocket IRC page`);
    const tls = this.tlsInfo();
    const how = tls ? ` over ${tls.protocol} (${tls.cipher}, certificate of ${tls.peerCertificate?.subject.CN})` : '';
    show(`* connected to ${config.irc.host}:${this.port}${how}, registering as ${this.nick}`, 'system');
  }

  line(text) {
    const msg = parse(text);
    if (!msg) return;
    const { nick, command, params } = msg;
    switch (command) {
      case 'PING': return this.command(`PONG :${params[0] ?? ''}`);
      case '001': // welcome: registered
        show(`* ${params[1] ?? 'welcome'}`, 'system');
        return this.command(`JOIN ${this.channel}`);
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
    this.command(`PRIVMSG ${this.channel} :${text}`);
    show(`<${this.nick}> ${text}`, 'mine');
  }

  // The server answers QUIT by closing the connection.
  leave() {
    this.command('QUIT :bye');
  }
}

const page = talkPage({
  nickLength: 16,
  fields: '<label>channel <input id="channel" type="text" style="width:10em" maxlength="32" value="#kvsocket"></label>',
  leaveLabel: 'Quit',
  open: (nick) => new IrcClient(nick, $('#channel').value.trim() || '#kvsocket'),
});
$('#channel').value = page.params.get('channel') ?? '#kvsocket';
if (!config.irc) {
  $('#server').textContent = 'none: ngircd is not installed (npm run setup installs it)';
} else {
  $('#server').textContent = `${config.irc.host}:${config.irc.port}`;
  page.ready();
  if (page.params.get('autoconnect') === '1') page.start();
}
