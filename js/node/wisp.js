// Sockets over a Wisp server in Node (`new Socket({ proxy: 'wisp+ws://host:port/path/' })`):
// the same Wisp sessions as in browsers (src/transport/wisp/, in Rust) perform their actions,
// with the `ws` package's WebSocket, made here; every socket with the same URL shares one
// WebSocket.

import WebSocket from 'ws';
import { isWispUrl, wispPerform, wispRefusal } from '../../pkg/kvsocket_node.js';
import { createWispHost } from '../wisp/host.js';

/** A WebSocket to a Wisp server, as a Wisp session opens it (`ws`'s, Buffers for messages). */
export function openWebSocket(url, protocol) {
  // No permessage-deflate: Wisp carries what sockets send, often already compressed, and
  // compressing every packet would cost more than it saves (and the session counts on `ws`
  // framing each packet within send(), which it does not while compressing:
  // src/transport/wisp/out.rs sends views of memory it reuses).
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

/**
 * Wraps the Node host: actions of Wisp sockets go to the Wisp sessions, the others to `host`.
 * `open` makes the sessions' WebSockets (the tests watch them through it).
 */
export function withWisp(host, open = openWebSocket) {
  const wisp = createWispHost({ wispPerform, isWispUrl, open });
  return {
    perform(action, link) {
      if (wisp.owns(action, link)) wisp.perform(action, link);
      else host.perform(action, link);
    },
    // Bytes for the Wisp host too (a Buffer is a Uint8Array).
    copyBytes: host.copyBytes,
    // Net connections only: it declines a Wisp stream's, which then goes as an action.
    sendNow: host.sendNow,
    setRef: host.setRef,
    turn: host.turn,
    tlsInfo: host.tlsInfo,
    // A Wisp stream sends a write's bytes in the call or copies them
    // (src/transport/wisp/out.rs): a socket with a Wisp stream lends them (js/socket.js). Net
    // sockets get copies.
    borrows: (link) => link.transport?.wisp !== undefined,
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
    // Without a Wisp URL a socket is net's: `host` refuses nothing, the engine resolves names.
    plain: (options) => !usesWisp(options) && !host.refuse,
  };
}
