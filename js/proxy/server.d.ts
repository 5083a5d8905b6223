// Types for `kvsocket/proxy` (js/proxy/server.js): kvsocket-proxy started in-process.
// The protocol and every option: docs/proxy-protocol.md.

export interface ProxyOptions {
  /** Where to accept WebSockets: `HOST:PORT` or a bare port (on 127.0.0.1). Default `'127.0.0.1:0'`. */
  listen?: string | number;
  /** Targets that TCP tunnels and UDP may reach, e.g. `'127.0.0.1:7000'`, `'irc.example:6667'`. Deny by default. */
  allow?: string[];
  /** Interfaces and ports that reverse tunnels and bound UDP may bind, e.g. `'127.0.0.1:*'`. */
  allowListen?: string[];
  /** When not empty, the `Origin` header must equal one of these; `'*'` accepts any (also none). */
  origins?: string[];
  /** Concurrent sessions (0: no cap). */
  maxConnections?: number;
  /** Largest WebSocket message accepted, in bytes (default 64 MiB); a larger one closes with 1009. */
  maxFrame?: number;
  /** ms to give up connecting to a target (default 10000). */
  connectTimeout?: number;
  /** ms an incoming connection of a reverse tunnel waits to be claimed (default 10000). */
  claimTimeout?: number;
  /** Where refusals are logged, one line each (default: stderr). */
  log?: (line: string) => void;
}

/** Live counters of a running proxy. */
export interface ProxyStats {
  /** Sessions open now (counted against maxConnections). */
  active: number;
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
  /** Closes the listener and everything still open through it. */
  close(): Promise<void>;
}

/** Starts a proxy; resolves once it listens. */
export function startProxy(options?: ProxyOptions): Promise<Proxy>;

/** `'127.0.0.1:8081'`, `'[::1]:0'` or a bare port -> its host and port; throws for anything else. */
export function parseListenAddress(value: string | number): { host: string; port: number };
