// Where a client may go: the one place every route (TCP tunnels, UDP, listeners, and any later
// endpoint such as Wisp) asks before it dials, sends or binds. The proxy resolves names itself,
// checks every address a name resolved to, and hands back only checked addresses: the caller
// dials those, never the name, so DNS cannot answer differently a second time.

import dns from 'node:dns/promises';
import net from 'node:net';
import { findRule, normalizeHost, parseListenRule, parseTargetRule, resolvedAllowed } from './allow.js';
import { canonicalHost, classify } from './address.js';
import { show } from './request.js';
import { CODE, REASON } from './tunnel-codes.js';

/** A refusal: `status` for an HTTP answer, `code` for a control message. */
export class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The system resolver: every address, in the order it gives them. */
export const systemLookup = (name) => dns.lookup(name, { all: true, verbatim: true });

const denied = (message) => new Refusal(403, CODE.TARGET_DENIED, message);

// Gives up waiting at the deadline (a lookup cannot be cancelled; its answer is then ignored).
function before(deadline, promise, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer in time`), { code: REASON.TIMED_OUT })), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The checks, from startProxy's options: allow and allowListen (rule strings), allowLoopback
 * and allowPrivate (open those address classes to `*` and wide rules), lookup (name -> promise
 * of [{address, family}]; the system resolver by default, a function of the test's in tests).
 */
export function createPolicy({ allow = [], allowListen = [], allowLoopback = false, allowPrivate = false, lookup = systemLookup } = {}) {
  const targetRules = allow.map(parseTargetRule);
  const listenRules = allowListen.map(parseListenRule);
  const open = new Set([...(allowLoopback ? ['loopback'] : []), ...(allowPrivate ? ['private'] : [])]);

  /**
   * Checks a target a client named (any spelling) and resolves it: {host, port, addresses}
   * where host is canonical and addresses ([{address, family}], at least one) are every
   * address that passed, in lookup order. Throws a Refusal: 400 for a malformed host, 403
   * (TargetDenied) for a denied one, 502 with the resolver's code (ENOTFOUND) when the lookup
   * fails, 504 (ETIMEDOUT) at the deadline. A denied name is never looked up. `slot` (the
   * connection slot the target is for) stays taken until the lookup itself settles, past the
   * deadline and past the slot's release (slots.js).
   */
  async function target(hostText, port, deadline = Date.now() + 10_000, { slot } = {}) {
    let host;
    try {
      host = normalizeHost(hostText);
    } catch (err) {
      throw new Refusal(400, 'BadRequest', err.message);
    }
    const where = show(host, port);
    if (!findRule(targetRules, host, port, open)) {
      const cls = net.isIP(host) ? classify(host) : 'public';
      // The rule that is missing, so that the message says what to change.
      throw denied(`target denied: ${where}${cls === 'public' ? '' : ` (${cls} address)`}: no --allow rule matches it (start the proxy with --allow ${where})`);
    }
    if (net.isIP(host)) return { host, port, addresses: [{ address: host, family: family(host) }] };
    let found;
    try {
      const looking = Promise.resolve().then(() => lookup(host));
      slot?.holdUntil(looking);
      found = await before(deadline, looking, `looking up ${host}`);
    } catch (err) {
      const code = String(err.code ?? 'ENOTFOUND');
      throw new Refusal(code === REASON.TIMED_OUT ? 504 : 502, code, `looking up ${host} failed: ${err.message}`);
    }
    const addresses = [];
    const refused = [];
    for (const a of found ?? []) {
      const ip = safeCanonicalIp(a?.address);
      if (ip && resolvedAllowed(targetRules, ip, port, open)) addresses.push({ address: ip, family: family(ip) });
      else refused.push(ip ? `${ip} (${classify(ip)})` : String(a?.address));
    }
    if (addresses.length === 0) {
      if (refused.length === 0) throw new Refusal(502, 'ENOTFOUND', `looking up ${host} found no address`);
      throw denied(`target denied: ${where} resolves to ${refused.join(', ')}`);
    }
    return { host, port, addresses };
  }

  /** null when the page may bind ip:port (ip is an IP literal), else a Refusal. */
  function listen(ipText, port) {
    const ip = safeCanonicalIp(ipText);
    if (ip && findRule(listenRules, ip, port, open)) return null;
    const cls = ip ? classify(ip) : 'public';
    return new Refusal(403, 'ListenDenied', `listen denied: ${show(ipText, port)}${cls === 'public' ? '' : ` (${cls} address)`}`);
  }

  /** What the rules and options let through, a line each (for the startup message). */
  function describe() {
    const opened = (cls, option) => (open.has(cls) ? `open to every rule (${option})` : `only where an IP/CIDR rule names them (${option} opens them)`);
    return [
      `targets: ${targetRules.length ? targetRules.map((r) => r.rule).join(' ') : 'none (no --allow rule)'}`,
      `listen: ${listenRules.length ? listenRules.map((r) => r.rule).join(' ') : 'none (no --allow-listen rule)'}`,
      `loopback addresses: ${opened('loopback', '--allow-loopback')}; private: ${opened('private', '--allow-private')}; ` +
        'link-local, unspecified, multicast, broadcast, reserved: only where an IP/CIDR rule names them',
    ];
  }

  return { target, listen, describe, open, targetRules, listenRules };
}

const family = (ip) => net.isIP(ip);

function safeCanonicalIp(text) {
  try {
    return canonicalHost(String(text)).ip ?? null;
  } catch {
    return null;
  }
}
