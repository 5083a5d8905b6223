// Whether a request may open a session at all, before any route looks at what it asks for: a
// well-formed WebSocket handshake, from a page whose Origin is accepted, showing a token when
// the proxy has tokens. One function for every endpoint (per-socket sessions, and any later
// endpoint on another path), returning the refusal to answer with.

import { originCheck } from './origin.js';
import { Refusal } from './policy.js';
import { checkTokens, redact, tokenCheck, tokenOf } from './token.js';

// ws would also refuse these, but only after we had connected to the target on the client's behalf.
function handshakeProblem(req, anySubprotocol) {
  if (req.method !== 'GET') return `a WebSocket handshake is a GET, not ${req.method}`;
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'not a WebSocket upgrade';
  if (!/^[+/0-9A-Za-z]{22}==$/.test(req.headers['sec-websocket-key'] ?? '')) return 'missing or bad Sec-WebSocket-Key';
  if (!['8', '13'].includes(req.headers['sec-websocket-version'])) return 'Sec-WebSocket-Version must be 13';
  const offered = req.headers['sec-websocket-protocol'];
  if (offered === undefined) return null;
  const names = offered.split(',').map((p) => p.trim());
  if (!names.every((p) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p))) return 'malformed Sec-WebSocket-Protocol';
  const shown = redact(names.join(', ')); // a token subprotocol is not echoed, in any case
  if (!anySubprotocol && !names.includes('binary')) return `subprotocol '${shown}' offered: this proxy speaks 'binary' (or none)`;
  return null;
}

/**
 * The admission check from startProxy's `origins` and `tokens`. `check(req, query)` gives null
 * or a Refusal (with `{ anySubprotocol: true }`, for the Wisp endpoint, whose v2 clients offer
 * a subprotocol of their choosing) (400 malformed handshake, 403 origin denied, 401 token missing or wrong);
 * `describe()` says in one line each what gets in, for the startup message.
 */
export function admission({ origins = [], tokens = [] } = {}) {
  const origin = originCheck(origins);
  const token = tokenCheck(tokens.length ? checkTokens(tokens) : []);
  return {
    check(req, query, { anySubprotocol = false } = {}) {
      const problem = handshakeProblem(req, anySubprotocol);
      if (problem) return new Refusal(400, 'BadRequest', problem);
      const from = req.headers.origin;
      if (!origin.allows(from)) return new Refusal(403, 'OriginDenied', `origin denied: ${from ?? '(none)'}`);
      if (token.required && !token.allows(tokenOf(req, query))) {
        return new Refusal(401, 'TokenRequired', 'a valid token is required (?token=… or subprotocol kvsocket-token.…)');
      }
      return null;
    },
    describe: () => [
      `accepting ${origin.describe()}`,
      token.required ? `a token is required (${tokens.length} known)` : 'no token required',
    ],
  };
}
