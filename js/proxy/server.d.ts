// Types for `kvsocket/proxy` (js/proxy/server.js): kvsocket-proxy started in-process.
// The protocol and every option: docs/proxy-protocol.md.

export interface ProxyOptions {
  /** Where to accept WebSockets: `HOST:PORT` or a bare port (on 127.0.0.1). Default `'127.0.0.1:0'`. */
  listen?: string | number;
  /** Targets that TCP tunnels and UDP may reach, e.g. `'127.0.0.1:7000'`, `'irc.example:6667'`. Deny by default. */
  allow?: string[];
  /** Interfaces and ports that reverse tunnels and bound UDP may bind, e.g. `'127.0.0.1:*'`. */
  allowListen?: string[];
  /** Let `*` and wide CIDR rules reach (and bind) loopback addresses. Default false: only rules naming them. */
  allowLoopback?: boolean;
  /** Let `*` and wide CIDR rules reach (and bind) private addresses (RFC 1918, 100.64/10, fc00::/7). Default false. */
  allowPrivate?: boolean;
  /** Accepted `Origin` values (exact; `'null'` may be listed); `'*'` accepts any. Default: loopback pages and clients without Origin. */
  origins?: string[];
  /** Tokens a client must show (`?token=` or subprotocol `kvsocket-token.TOKEN`); 16-256 characters each. Default: none required. */
  tokens?: string[];
  /** Sessions, and client connections to the proxy, at once (default 512). */
  maxConnections?: number;
  /** Client connections (half-sent handshakes included) and Wisp streams from one client at once (default 128). */
  maxPerClient?: number;
  /** IPv6 clients in one block of this many prefix bits count as one client for maxPerClient, 1-128 (default 64). */
  clientPrefixV6?: number;
  /** Largest WebSocket message accepted, in bytes (default 262144); a larger one closes with 1009. */
  maxFrame?: number;
  /**
   * Bytes one Wisp stream may have the proxy hold for its target (default 4194304): its credit is
   * never more packets than this holds of maxFrame-sized ones (at least 2); past its credit a
   * stream is closed with 0x41.
   */
  wispStreamBuffer?: number;
  /** Bytes all streams of one Wisp WebSocket may have it hold; past it the WebSocket is not read until half has left (default 16777216). */
  wispBuffer?: number;
  /** Incoming connections one listener holds unclaimed (default 16). */
  maxPending?: number;
  /** ms to give up looking up and connecting to a target (default 10000). */
  connectTimeout?: number;
  /** ms from a client's TCP connect to its complete upgrade request, and from a Wisp v2 client's open to its INFO (default 10000). */
  handshakeTimeout?: number;
  /** ms a TCP tunnel, UDP session or Wisp stream may carry nothing either way, and a Wisp WebSocket have no stream, before it is closed; 0 = never (default 1800000). */
  idleTimeout?: number;
  /** ms an incoming connection of a reverse tunnel waits to be claimed (default 10000). */
  claimTimeout?: number;
  /** The resolver: every address of a name, in the order to try them (default: the system's). */
  lookup?: (name: string) => Promise<Array<{ address: string; family: number }>>;
  /** Where refusals are logged, one line each, with its level (default: stderr): tokens hidden, control characters escaped, at most 1024 characters, at most 20 lines a second (then a "suppressed N log lines" line). */
  log?: (line: string, level?: 'error' | 'warn' | 'info' | 'debug') => void;
  /**
   * Load balancers (IPs or CIDR blocks, e.g. `'127.0.0.1'`, `'10.0.0.0/8'`) whose
   * `X-Forwarded-For` / `Forwarded` headers name the real client, for maxPerClient and the logs.
   * Default: none (the headers are never read).
   */
  trustProxy?: string[];
  /** Count Prometheus metrics (prom-client, loaded only then); `proxy.metrics` is the registry. Default false. */
  metrics?: boolean;
  /** Also answer `GET /metrics` on the public listener (implies metrics). Default false. */
  publicMetrics?: boolean;
  /** This instance's name behind a load balancer: claim ids start with `NAME.` (letters, digits, -). */
  instance?: string;
  /** Internal: set by kvsocket-proxy's CLI in each worker of `--workers` (js/proxy/workers.js). Leave it out. */
  worker?: unknown;
}

/** Live counters of a running proxy. */
export interface ProxyStats {
  /** Sessions open now (counted against maxConnections). */
  active: number;
  /** Client connections to the proxy open now (pending handshakes included). */
  clients: number;
  /** WebSockets opened so far. */
  opened: number;
  /** Upgrades refused so far, and connects refused after open (report=1). */
  refused: number;
  bytesFromClients: number;
  bytesToClients: number;
  /** Bytes Wisp streams hold for their targets now (waiting for the stream to open, or for the system to take them). */
  wispQueued: number;
  /** The most wispQueued has been. */
  wispQueuedPeak: number;
}

export interface Proxy {
  /** `ws://HOST:PORT/`: add `?host={host}&port={port}` for a kvsocket Socket's proxy template. */
  readonly url: string;
  readonly port: number;
  readonly stats: ProxyStats;
  /** What the proxy accepts (origins, token, rules, address classes, limits), a line each. */
  describe(): string[];
  /** Closes the listener and everything still open through it. */
  close(): Promise<void>;
  /**
   * A graceful stop: accept nothing more, let open sessions run for up to `timeoutMs`, then
   * close those still open with 1001 'shutdown'. Resolves once every connection has closed.
   */
  drain(timeoutMs: number): Promise<void>;
  /** True once drain() was called (`GET /healthz` answers 503). */
  readonly draining: boolean;
  /** The prom-client Registry when `metrics` or `publicMetrics` is set, else null. */
  readonly metrics: { metrics(): Promise<string>; readonly contentType: string } | null;
}

/** Starts a proxy; resolves once it listens. */
export function startProxy(options?: ProxyOptions): Promise<Proxy>;

/** `'127.0.0.1:8081'`, `'[::1]:0'` or a bare port -> its host and port; throws for anything else. */
export function parseListenAddress(value: string | number): { host: string; port: number };
