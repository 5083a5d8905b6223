// Sockets over Wisp, for browsers and Node alike (`proxy: 'wisp+ws://host:port/path/'`): which
// actions are a Wisp socket's, handed to the Wisp sessions in Rust (src/transport/wisp/:
// `wispPerform`), which perform them. Every socket with the same Wisp URL is one stream on one
// shared WebSocket; the protocol's rules are the client's (src/wisp/), a socket's are its
// engine's, and what a Wisp socket cannot do is answered there.

/**
 * `wispPerform` and `isWispUrl` are the module's; `open(url, protocol)` makes a session's
 * WebSocket (Node's `ws`: js/node/wisp.js), or is left out for the browser's own.
 */
export function createWispHost({ wispPerform, isWispUrl, open }) {
  return {
    /** Whether the action is a Wisp socket's: a stream's transport says so (its `wisp`, the
     * session's id), and only an action with no transport yet (a connect) reads the URL. */
    owns(action, link) {
      const t = action.type === 'connect' ? undefined : link.get(action.id);
      if (t !== undefined) return t.wisp !== undefined;
      const url = link.options.proxy;
      // Most sockets have no proxy URL: no call into wasm (with a string copied in) for them.
      return typeof url === 'string' && url !== '' && isWispUrl(url);
    },

    /** Performs one engine action (`{type, id, …}`) for the socket behind `link`. */
    perform: (action, link) => wispPerform(action, link, open),
  };
}
