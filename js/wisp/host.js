// Sockets over Wisp, for browsers and Node alike (`proxy: 'wisp+ws://host:port/path/'`): every
// socket with the same Wisp URL is one stream on one shared WebSocket (session.js). This
// performs the engine's actions for such sockets; the protocol's rules are the client's
// (src/wisp/), a socket's are its engine's. `env` is the host's: session.js says what it holds,
// and `isWispUrl`.

import { learnWisp } from './codec.js';
import { Session, sessionOf } from './session.js';

/** Why a Wisp socket cannot do this action (the entries refuse these first: `wispRefusal`). */
const UNSUPPORTED = 'UnsupportedSocketOperation';

export function createWispHost(env) {
  // The entry instantiated the module before making its hosts: the format's numbers are read now.
  learnWisp(env.WispClient);
  function connect(action, link) {
    const key = link.options.proxy;
    const t = link.open(action.id, { wisp: key, udp: action.protocol === 'udp', up: false });
    // The page never learns which address the server used for a name.
    t.remoteIp = action.ip ?? '0.0.0.0';
    t.remotePort = action.port;
    const session = sessionOf(key) ?? new Session(key, env);
    session.openStream(t, action.ip ?? action.host ?? '', action.port);
  }

  return {
    /** Whether the action is a Wisp socket's: a stream's transport says so (its `wisp` key),
     * and only an action with no transport yet (a connect) reads the URL. */
    owns(action, link) {
      const t = action.type === 'connect' ? undefined : link.get(action.id);
      if (t !== undefined) return t.wisp !== undefined;
      const url = link.options.proxy;
      // Most sockets have no proxy URL: no call into wasm (with a string copied in) for them.
      return typeof url === 'string' && url !== '' && env.isWispUrl(url);
    },

    /** Performs one engine action (`{type, id, …}`) for the socket behind `link`. */
    perform(action, link) {
      if (action.type === 'connect') return connect(action, link);
      if (action.type === 'listen' || action.type === 'resolve') {
        // An engine not told that the server resolves names would ask to resolve; Wisp has no
        // listening streams. Answered a turn later.
        setTimeout(() => link.failed(action.id, UNSUPPORTED), 0);
        return;
      }
      const t = link.get(action.id);
      if (t === undefined || t.finished) return;
      switch (action.type) {
        case 'send': return t.session.send(t, action.data, action.lent === true);
        case 'shutdown': return t.session.close(t);
        case 'abort': return t.session.abort(t);
        // Told to a server that took the receive-pause extension; elsewhere the bytes keep
        // coming (docs/wisp.md).
        case 'pause': return t.session.pauseReading(t, true);
        case 'resume': return t.session.pauseReading(t, false);
        // Wisp has no half-close (its CLOSE ends both ways) and no TCP options: the output stays
        // open after end() until close() (docs/promises-and-streams.md).
        case 'endOutput': case 'configure': return;
        default: throw new Error(`kvsocket: unknown engine action "${action.type}"`);
      }
    },
  };
}
