// A line-based chat client: a Socket subclass (talk.js's LineSocket) that sends what the page says
// as `<nick> text` lines and shows every line it reads.
import { Socket } from '/js/browser/index.js';
import config from '/config.js';
import { $ } from './ui.js';
import { talkPage, show, connectedUi, LineSocket } from './talk.js';

// wisp-chat.html (data-via="wisp"): the same chat over the proxy's Wisp endpoint, where every
// socket of the page shares one WebSocket.
const proxy = document.documentElement.dataset.via === 'wisp' ? config.wisp : config.proxy;
Socket.defaultProxy = proxy;

class ChatClient extends LineSocket {
  constructor(nick) {
    super('\n');
    this.nick = nick;
    this.open(config.chat.host, config.chat.port);
  }

  connectedEvent() {
    connectedUi(true);
    $('#say').focus();
  }

  say(text) {
    this.send(`<${this.nick}> ${text}\n`);
  }

  leave() {
    this.close();
  }

  line(text) {
    show(text, text.startsWith('* ') ? 'system' : '');
  }
}

const page = talkPage({ nickLength: 20, leaveLabel: 'Disconnect', open: (nick) => new ChatClient(nick) });
$('#proxy').textContent = proxy;
page.ready();
