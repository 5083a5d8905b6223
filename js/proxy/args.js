// The command line of kvsocket-proxy, turned into startProxy's options. Kept apart from cli.js so
// that it can be tested without starting anything.

import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseListenRule, parseTargetRule } from './allow.js';
import { DEFAULTS } from './limits.js';
import { parseListenAddress } from './server.js';
import { readTokenFile } from './token.js';
import { trustCheck } from './forwarded.js';
import { createLogger } from './logger.js';

const D = DEFAULTS;

/** ms a SIGTERM lets open tunnels run before they are closed. */
export const DRAIN_TIMEOUT = 30_000;

export const USAGE = `usage: kvsocket-proxy [--listen HOST:PORT] --allow HOST:PORT ... [options]

Where pages may go (nothing is allowed unless a rule says so):
  --allow RULE               a target tunnels and UDP may reach; repeat for more. RULE is
                             HOST:PORTS where HOST is a name, an IP, a CIDR block
                             (127.0.0.0/8, [fd00::]/8) or *, and PORTS is a port, a range
                             (6660-6669) or *
  --allow-listen RULE        an interface and ports the page may listen on (reverse tunnels,
                             bound UDP); IP, CIDR or * and PORTS, e.g. 127.0.0.1:9000-9100
  --allow-loopback           let * and wide rules reach loopback addresses (127.0.0.0/8, ::1)
  --allow-private            let * and wide rules reach private addresses (10/8, 172.16/12,
                             192.168/16, 100.64/10, fc00::/7)
                             Without these, loopback, private, link-local (169.254/16,
                             fe80::/10), unspecified (0.0.0.0, ::), multicast, broadcast and
                             reserved addresses are reached only through an IP or CIDR rule
                             that names them (127.0.0.1:7000, 10.0.0.0/8:*), in any spelling
                             (127.1, 0x7f000001, ::ffff:127.0.0.1) and whatever a name resolves to

Who may connect:
  --listen HOST:PORT         where to accept WebSockets (default 127.0.0.1:8081)
  --origin ORIGIN            accept pages from this Origin (exact; repeat; * = any page).
                             Default: only pages from loopback origins (http(s)://localhost,
                             127.0.0.0/8, [::1]) and clients that send no Origin
  --token-file PATH          require one of the tokens in PATH (one per line, 16+ characters),
                             sent as ?token=TOKEN or as subprotocol kvsocket-token.TOKEN

Limits:
  --max-connections N        sessions and client connections at once (default ${D.maxConnections})
  --max-per-client N         client connections and Wisp streams from one client at once
                             (default ${D.maxPerClient})
  --client-prefix-v6 BITS    IPv6 clients in one block of this prefix length are one client
                             for --max-per-client, 1-128 (default ${D.clientPrefixV6})
  --max-frame BYTES          largest WebSocket message accepted (default ${D.maxFrame})
  --wisp-stream-buffer BYTES what a Wisp stream may leave queued for its target: its credit is
                             what this holds of --max-frame packets (default ${D.wispStreamBuffer})
  --wisp-buffer BYTES        what all streams of one Wisp WebSocket may leave queued; past it
                             the WebSocket is not read until half has left (default ${D.wispBuffer})
  --max-pending N            incoming connections one listener holds unclaimed (default ${D.maxPending})
  --connect-timeout MS       give up looking up and connecting to a target (default ${D.connectTimeout})
  --handshake-timeout MS     drop a client whose upgrade request (or Wisp v2 INFO) is not
                             complete (default ${D.handshakeTimeout})
  --idle-timeout MS          close a tunnel, UDP session or Wisp stream idle this long, and a
                             Wisp WebSocket with no stream, 0 = never (default ${D.idleTimeout})
  Each tunnel buffers at most about 1 MiB towards its target and 1 MiB towards the page; a
  client is not read while 1 MiB (or 256 answers: refusals, errors) waits for it to read.

Operating it (docs/deployment.md):
  --workers N                processes serving clients, behind one listener (default: the
                             number of cores, ${os.availableParallelism()} here); 1 = one process, no primary
  --instance NAME            this instance's name among several behind a load balancer
                             (letters, digits, -): claim ids start with NAME. so that the
                             balancer can route a claim to the instance holding its listener
  --metrics HOST:PORT        serve Prometheus /metrics and /healthz on this listener (e.g.
                             127.0.0.1:9464); --metrics public answers /metrics on --listen
                             too. /healthz is always answered on --listen (503 while draining)
  --trust-proxy ADDR         a load balancer (IP or CIDR; repeat) whose X-Forwarded-For or
                             Forwarded header names the real client, for --max-per-client and
                             the logs; nobody else's headers are read
  --drain-timeout MS         on SIGTERM stop accepting, let open tunnels run this long, then
                             close them with 1001 'shutdown' (default ${DRAIN_TIMEOUT}; a second
                             SIGTERM, or SIGINT, stops at once)
  --log-level LEVEL          error, warn, info (default; refusals) or debug
  --log-format FORMAT        text (default) or json: one JSON object per line
  --quiet                    do not log refusals (--log-level warn)
                             Logged lines are escaped, cut at 1024 characters, at most 20 a
                             second, tokens hidden
  --help                     this text

URL forms (docs/proxy-protocol.md):
  ws://HOST:PORT/?host=TARGET&port=PORT         a TCP tunnel (&report=1: open first, then
                                                {"type":"connected"} or {"type":"error"})
  ws://HOST:PORT/?listen=PORT&iface=IP          a listener; ?claim=ID takes an incoming connection
  ws://HOST:PORT/?udp=1&host=TARGET&port=PORT   UDP with one peer
  ws://HOST:PORT/?udp=1&listen=PORT&iface=IP    UDP on a bound port`;

function count(name, text, min, max = Infinity) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new Error(`--${name} ${text}: expected a whole number >= ${min}${max < Infinity ? ` and <= ${max}` : ''}`);
  }
  return Number(text);
}

/**
 * argv (without node and the script) -> {help: true} or startProxy options. Throws an Error with
 * a message fit for the user when something is wrong.
 */
export function parseCli(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      listen: { type: 'string', default: '127.0.0.1:8081' },
      allow: { type: 'string', multiple: true, default: [] },
      'allow-listen': { type: 'string', multiple: true, default: [] },
      'allow-loopback': { type: 'boolean', default: false },
      'allow-private': { type: 'boolean', default: false },
      origin: { type: 'string', multiple: true, default: [] },
      'token-file': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-per-client': { type: 'string' },
      'client-prefix-v6': { type: 'string' },
      'max-frame': { type: 'string' },
      'wisp-stream-buffer': { type: 'string' },
      'wisp-buffer': { type: 'string' },
      'max-pending': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'handshake-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      metrics: { type: 'string' },
      workers: { type: 'string' },
      instance: { type: 'string' },
      'trust-proxy': { type: 'string', multiple: true, default: [] },
      'drain-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  if (positionals.length) throw new Error(`unexpected argument '${positionals[0]}' (options start with --)`);
  // Parsed here only to complain early and by name; startProxy takes the strings.
  parseListenAddress(values.listen);
  values.allow.forEach(parseTargetRule);
  values['allow-listen'].forEach(parseListenRule);
  const options = {
    listen: values.listen,
    allow: values.allow,
    allowListen: values['allow-listen'],
    origins: values.origin,
    allowLoopback: values['allow-loopback'] || undefined,
    allowPrivate: values['allow-private'] || undefined,
    tokens: values['token-file'] === undefined ? undefined : readTokenFile(values['token-file']),
    maxConnections: count('max-connections', values['max-connections'], 1),
    maxPerClient: count('max-per-client', values['max-per-client'], 1),
    clientPrefixV6: count('client-prefix-v6', values['client-prefix-v6'], 1, 128),
    maxFrame: count('max-frame', values['max-frame'], 1),
    wispStreamBuffer: count('wisp-stream-buffer', values['wisp-stream-buffer'], 1),
    wispBuffer: count('wisp-buffer', values['wisp-buffer'], 1),
    maxPending: count('max-pending', values['max-pending'], 1),
    connectTimeout: count('connect-timeout', values['connect-timeout'], 1),
    handshakeTimeout: count('handshake-timeout', values['handshake-timeout'], 1),
    idleTimeout: count('idle-timeout', values['idle-timeout'], 0),
  };
  if (values['trust-proxy'].length) {
    trustCheck(values['trust-proxy']); // complains about a bad entry by name
    options.trustProxy = values['trust-proxy'];
  }
  if (values.metrics === 'public') options.publicMetrics = true;
  else if (values.metrics !== undefined) {
    parseListenAddress(values.metrics);
    options.metrics = true;
    options.metricsListen = values.metrics;
  }
  options.drainTimeout = count('drain-timeout', values['drain-timeout'], 0);
  options.workers = count('workers', values.workers, 1) ?? os.availableParallelism();
  if (values.instance !== undefined) {
    if (!/^[A-Za-z0-9-]{1,32}$/.test(values.instance)) throw new Error(`--instance ${values.instance}: 1-32 letters, digits or -`);
    options.instance = values.instance;
  }
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  const level = values['log-level'] ?? (values.quiet ? 'warn' : undefined);
  if (level !== undefined || values['log-format'] !== undefined) {
    options.log = createLogger({ level, format: values['log-format'] });
  }
  return options;
}
