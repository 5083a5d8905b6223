// Tokens for a proxy that others can reach (--token-file): a session opens only for a client
// that shows one, as `?token=` in the URL (what websockify's token plugins read) or as a
// WebSocket subprotocol `kvsocket-token.TOKEN` (a page cannot set headers, but can offer
// subprotocols). Compared in constant time, and never written to the log.

import { readFileSync } from 'node:fs';
import { createHash, timingSafeEqual } from 'node:crypto';

export const TOKEN_PROTOCOL = 'kvsocket-token.';

// Visible ASCII a URL query and a subprotocol can both carry unescaped.
const TOKEN = /^[A-Za-z0-9._~-]{16,256}$/;

/**
 * The tokens of a token file: one per line; blank lines and lines starting with # are skipped.
 * Throws when the file holds none or one that is too short (16+ characters of A-Z a-z 0-9 . _ ~ -).
 */
export function readTokenFile(path) {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim());
  return checkTokens(lines.filter((l) => l && !l.startsWith('#')), path);
}

export function checkTokens(tokens, where = 'tokens') {
  if (tokens.length === 0) throw new Error(`${where}: no token in it`);
  for (const t of tokens) {
    if (!TOKEN.test(t)) throw new Error(`${where}: a token must be 16-256 characters of A-Z a-z 0-9 . _ ~ -`);
  }
  return tokens;
}

const digest = (text) => createHash('sha256').update(String(text)).digest();

/** The token a request shows: `?token=` first, else a `kvsocket-token.` subprotocol; or null. */
export function tokenOf(req, query) {
  const fromUrl = query?.get('token');
  if (fromUrl) return fromUrl;
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const proto = offered.find((p) => p.startsWith(TOKEN_PROTOCOL));
  return proto ? proto.slice(TOKEN_PROTOCOL.length) : null;
}

/**
 * The token check: `required` is false without tokens (every request passes). `allows(token)`
 * compares the SHA-256 of the token with each known one's in constant time, without stopping
 * at the first match, so the time says nothing about which bytes were right.
 */
export function tokenCheck(tokens = []) {
  const known = tokens.map(digest);
  return {
    required: known.length > 0,
    allows(token) {
      if (known.length === 0) return true;
      const given = digest(token ?? '');
      let ok = false;
      for (const k of known) ok = timingSafeEqual(k, given) || ok;
      return ok && token != null;
    },
  };
}

// A query parameter in any text: separator, name, value (up to the next separator or space).
// Neither part may hold a separator, so that each match attempt stops at the next one (linear
// time on any text: a client chooses what is logged).
const PARAM = /([?&;])([^=?&;#\s]*)=([^?&;#\s]*)/g;
// A token subprotocol, whatever its case.
const PROTOCOL_TOKEN = /(kvsocket-token\.)[^\s,;'"]*/gi;

// A parameter name as the URL parser reads it (percent-decoded, + as space), for comparing.
function nameOf(raw) {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * Text for the log (a request URL, a message naming subprotocols) with every token value
 * hidden, in every spelling a client may use: `?token=`, `?%74oken=`, `?TOKEN=` and any
 * parameter whose decoded name holds "token", repeated ones too, and `kvsocket-token.X`
 * subprotocols in any case. Hidden as `token=…` and `kvsocket-token.…`.
 */
export const redact = (text) => String(text)
  .replace(PARAM, (all, sep, name, value) => (value && nameOf(name).includes('token') ? `${sep}${name}=…` : all))
  .replace(PROTOCOL_TOKEN, '$1…');

/** Whether a subprotocol is a token (`kvsocket-token.…`, in any case): never one to answer with. */
export const isTokenProtocol = (name) => name.toLowerCase().startsWith(TOKEN_PROTOCOL);
