// Sockets over a Wisp server in Node (`new Socket({ proxy: 'wisp+ws://host:port/path/' })`):
// the same Rust host as in browsers (src/transport/wisp/) performs their actions, with the
// `ws` package's WebSocket; every socket with the same URL shares one WebSocket.

import WebSocket from 'ws';
import { WispHost, isWispUrl, wispRefusal } from '../../pkg/kvsocket.js';
import { sendData, whenRoom } from './wisp-data.js';

// No permessage-deflate: Wisp carries what sockets send, often already compressed, and
// compressing every packet would cost more than it saves.
// Made at first use: the entry instantiates the wasm module after its imports are evaluated.
let wispHost;
function openWebSocket(url, protocol) {
  const ws = new WebSocket(url, protocol, { perMessageDeflate: false });
  // Messages as Buffers: an ArrayBuffer would be a copy of every message that shares its
  // memory with others (ws cuts them out of what the socket read).
  ws.binaryType = 'nodebuffer';
  // A Wisp v1 server ignores the v2 subprotocol and answers with none. Browsers accept that
  // answer; `ws` would abort the handshake the server already completed, and the host would
  // open a second WebSocket without the offer. Taken as browsers take it: the Wisp client
  // learns the version from the server's first packet, not from the header.
  if (protocol !== undefined) {
    ws.on('upgrade', (res) => { res.headers['sec-websocket-protocol'] ??= protocol; });
  }
  return ws;
}

/** Whether a socket's options name a Wisp server. */
export const usesWisp = (options) => {
  const url = options.proxy;
  // Most sockets have none: no call into wasm (with a string to copy) for them.
  return typeof url === 'string' && url !== '' && isWispUrl(url);
};

/** Wraps the Node host: actions of Wisp sockets go to the Wisp host, the others to `host`. */
export function withWisp(host) {
  return {
    perform(action, link) {
      // A Wisp stream's transport says so (its `wisp` key); only a connect reads the URL.
      const t = action.type === 'connect' ? undefined : link.get(action.id);
      if (t ? t.wisp !== undefined : usesWisp(link.options)) (wispHost ??= new WispHost(openWebSocket, sendData, whenRoom)).perform(action, link);
      else host.perform(action, link);
    },
    // The Wisp host's sends take bytes only.
    sendsText: (options) => !usesWisp(options) && host.sendsText?.(options) === true,
    // A Wisp URL is the one proxy option Node takes (the others are `host`'s to judge).
    checkOptions(options) {
      if (!usesWisp(options)) host.checkOptions?.(options);
    },
    refuse(command, options) {
      return usesWisp(options) ? wispRefusal(options.proxy, command) : (host.refuse?.(command, options) ?? '');
    },
    // The Wisp server resolves names (it may reach targets this machine cannot resolve).
    resolvesNames: (options) => usesWisp(options),
  };
}
