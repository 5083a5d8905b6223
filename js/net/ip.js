// net.isIP / isIPv4 / isIPv6 with Node's own rule (the expressions of Node's lib/internal/net.js,
// MIT), written out so that the page side needs no node:net. tests/node/net.test.js compares them
// with node:net's on a corpus of addresses and near misses.

const v4Seg = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`;
const IPV4 = new RegExp(`^${v4Str}$`);
const v6Seg = '(?:[0-9a-fA-F]{1,4})';
const IPV6 = new RegExp('^(?:'
  + `(?:${v6Seg}:){7}(?:${v6Seg}|:)|`
  + `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|`
  + `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|`
  + `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|`
  + `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|`
  + `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|`
  + `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|`
  + `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))`
  + ')(?:%[0-9a-zA-Z-.:]{1,})?$');

/** True for a dotted-decimal IPv4 address (Node's rule: no leading zeros, no shorthand). */
export const isIPv4 = (input) => IPV4.test(`${input}`);
/** True for an IPv6 address, with an optional zone (`fe80::1%eth0`). */
export const isIPv6 = (input) => IPV6.test(`${input}`);
/** 4, 6, or 0 for anything else. */
export const isIP = (input) => (isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0);
