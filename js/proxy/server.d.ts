// Types for `kvsocket/proxy` (js/proxy/server.js): kvsocket-proxy started in-process. Every
// option and its default: docs/proxy-protocol.md (and js/proxy/limits.js). When startProxy
// gains an option, add it here: tests/packaging/proxy-types.test.js checks the two agree.

export interface ProxyOptions {
  /** Where to accept WebSockets: `HOST:PORT` or a bare port (on 127.0.0.1). Default `'127.0.0.1:0'`. */
  listen?: string | number;
  /** Targets that TCP tunnels and UDP may reach, e.g. `'127.0.0.1:7000'`, `'irc.example:6667'`. Deny by default. */
  allow?: string[];
  /** Interfaces and ports that reverse tunnels and bound UDP may bind, e.g. `'127.0.0.1:*'`. */
  allowListen?: string[];
  /** Let wildcard and wide rules reach loopback addresses (otherwise only rules that name them). */
  allowLoopback?: boolean;
  /** Let wildcard and wide rules reach private, link-local and other non-public addresses. */
  allowPrivate?: boolean;
  /** Exact `Origin` values accepted, or `'*'`; empty: loopback pages and clients without an Origin. */
  origins?: string[];
  /** Tokens a client must present (`?token=` or the subprotocol); empty: none required. */
  tokens?: string[];
  /** Client connections and sessions at once. */
  maxConnections?: number;
  /** Client connections from one address at once. */
  maxPerClient?: number;
  /** Largest WebSocket message accepted, in bytes. */
  maxFrame?: number;
  /** Incoming connections of one listener waiting to be claimed. */
  maxPending?: number;
  /** ms to look a target up and connect to it. */
  connectTimeout?: number;
  /** ms from a client's TCP connect to its complete upgrade request. */
  handshakeTimeout?: number;
  /** ms a tunnel or UDP session may carry nothing either way (0: never times out). */
  idleTimeout?: number;
  /** ms an incoming connection of a reverse tunnel waits to be claimed. */
  claimTimeout?: number;
  /** Resolves a name to its addresses (default: the system resolver, all addresses). */
  lookup?: (name: string) => Promise<Array<{ address: string; family: number }>>;
  /** Where refusals are logged, one line each (default: stderr). */
  log?: (line: string) => void;
}

/** Live counters of a running proxy. */
export interface ProxyStats {
  /** Sessions open now (counted against maxConnections). */
  active: number;
  /** Client connections to the proxy open now. */
  clients: number;
  /** WebSockets opened so far. */
  opened: number;
  /** Upgrades refused so far. */
  refused: number;
  bytesFromClients: number;
  bytesToClients: number;
}

export interface Proxy {
  /** `ws://HOST:PORT/`: add `?host={host}&port={port}` for a kvsocket Socket's proxy template. */
  readonly url: string;
  readonly port: number;
  readonly stats: ProxyStats;
  /** What this proxy accepts, a line each (the CLI prints them at startup). */
  describe(): string[];
  /** Closes the listener and everything still open through it. */
  close(): Promise<void>;
}

/** Starts a proxy; resolves once it listens. */
export function startProxy(options?: ProxyOptions): Promise<Proxy>;

/** `'127.0.0.1:8081'`, `'[::1]:0'` or a bare port -> its host and port; throws for anything else. */
export function parseListenAddress(value: string | number): { host: string; port: number };
