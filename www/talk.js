// What the chat pages (chat.html, wisp-chat.html) and the IRC page (irc.html) share: the markup
// below their introduction (join form, messages, say form, socket panel), a line-based Socket
// subclass, and the forms' wiring. Each page's own protocol lives in its module (chat.js, irc.js).
import { Socket } from '/js/browser/index.js';
import { $, socketView } from './ui.js';

let page = null;

/**
 * Builds the page into its `#talk-page` element and wires the forms. Connect calls `open(nick)`, which
 * returns a LineSocket; pressed again while that socket is not Unconnected, it calls its
 * `leave()`; Send hands the text to its `say(text)`. `nickLength` bounds the nick field and
 * `fields` is markup for the join form's other fields. The Connect button stays disabled until
 * the page calls `ready()`. `?nick=` fills the nick (else a guest name).
 */
export function talkPage({ nickLength, fields = '', leaveLabel, open }) {
  $('#talk-page').innerHTML = `
    <form id="join">
      <label>nick <input id="nick" type="text" style="width:10em" maxlength="${nickLength}"></label>
      ${fields}
      <button id="connect" type="submit" disabled>Connect</button>
    </form>
    <ul id="messages"></ul>
    <form id="talk">
      <input id="say" type="text" placeholder="say something" disabled>
      <button id="send" type="submit" disabled>Send</button>
    </form>
    <div id="socket">
      <p>status: <span class="status" data-status>…</span> · read <span data-in>0</span> bytes ·
        written <span data-out>0</span> bytes</p>
      <ol class="events" data-events></ol>
    </div>`;
  const params = new URLSearchParams(location.search);
  $('#nick').value = params.get('nick') ?? `guest${Math.floor(Math.random() * 1000)}`;
  let client = null;
  const start = () => {
    if (client && client.status() !== 0) {
      client.leave();
      return;
    }
    $('#connect').disabled = true;
    client = open($('#nick').value.trim() || 'guest');
  };
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
  page = { view: socketView($('#socket')), leaveLabel };
  return { params, start, ready: () => { $('#connect').disabled = false; } };
}

/** Adds a line to the messages; `kind` is its class ('system', 'mine', 'bad'). */
export function show(text, kind = '') {
  const li = document.createElement('li');
  li.textContent = text;
  if (kind) li.className = kind;
  $('#messages').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

/** Say and Send work while connected; Connect reads as the page's leave label then. */
export function connectedUi(on) {
  $('#say').disabled = !on;
  $('#send').disabled = !on;
  $('#connect').textContent = on ? page.leaveLabel : 'Connect';
  $('#connect').disabled = false;
}

/**
 * A Socket that the page's panel follows and that hands what it reads to `line(text)`, a whole
 * line at a time: TCP may split a line across reads, so the tail waits for the next read.
 * Subclasses give `say(text)` and `leave()`, and `line(text)`.
 */
export class LineSocket extends Socket {
  partial = '';

  constructor(separator, options = undefined) {
    super(options);
    this.separator = separator;
    page.view.attach(this);
  }

  /** connect(), with its refusal shown on the panel. */
  open(host, port) {
    if (!this.connect(host, port)) page.view.note(`connect: ${this.lastError()}`);
  }

  /** write(), counted on the panel. */
  send(text) {
    page.view.wrote(this.write(text));
  }

  dataAvailableEvent(length) {
    page.view.read(length);
    const lines = (this.partial + this.read()).split(this.separator);
    this.partial = lines.pop();
    for (const line of lines) this.line(line);
  }

  connectFailedEvent(reason) {
    page.view.note(`could not connect: ${reason}`);
    connectedUi(false);
  }

  disconnectEvent(error) {
    show(error ? `* disconnected: ${error}` : '* disconnected', 'system');
    connectedUi(false);
  }
}
