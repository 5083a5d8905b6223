// The command line of kvsocket-proxy, turned into startProxy's options. Kept apart from cli.js so
// that it can be tested without starting anything.

import { parseArgs } from 'node:util';
import { parseListenRule, parseTargetRule } from './allow.js';
import { parseListenAddress } from './server.js';

export const USAGE = `usage: kvsocket-proxy [--listen HOST:PORT] --allow HOST:PORT ... [options]

  --listen HOST:PORT         where to accept WebSockets (default 127.0.0.1:8081)
  --allow RULE               a target tunnels may reach; repeat for more. Nothing is allowed
                             unless a rule says so. RULE is HOST:PORTS where HOST is a name,
                             an IP, a CIDR block (127.0.0.0/8, [fd00::]/8) or *, and PORTS is
                             a port, a range (6660-6669) or *
  --allow-listen RULE        an interface and ports the page may listen on (reverse tunnels,
                             bound UDP); IP, CIDR or * and PORTS, e.g. 127.0.0.1:9000-9100
  --origin ORIGIN            accept WebSockets only from this Origin (exact, or *); repeat
  --max-connections N        at most N tunnels at once (default: no cap)
  --max-frame BYTES          largest WebSocket message accepted (default 67108864)
  --connect-timeout MS       give up on a target after MS milliseconds (default 10000)
  --quiet                    do not log refusals
  --help                     this text

URL forms (docs/proxy-protocol.md):
  ws://HOST:PORT/?host=TARGET&port=PORT         a TCP tunnel
  ws://HOST:PORT/?listen=PORT&iface=IP          a listener; ?claim=ID takes an incoming connection
  ws://HOST:PORT/?udp=1&host=TARGET&port=PORT   UDP with one peer
  ws://HOST:PORT/?udp=1&listen=PORT&iface=IP    UDP on a bound port`;

function count(name, text, min) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new Error(`--${name} ${text}: expected a whole number >= ${min}`);
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
      origin: { type: 'string', multiple: true, default: [] },
      'max-connections': { type: 'string' },
      'max-frame': { type: 'string' },
      'connect-timeout': { type: 'string' },
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
    maxConnections: count('max-connections', values['max-connections'], 1),
    maxFrame: count('max-frame', values['max-frame'], 1),
    connectTimeout: count('connect-timeout', values['connect-timeout'], 1),
  };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  if (values.quiet) options.log = () => {};
  return options;
}
