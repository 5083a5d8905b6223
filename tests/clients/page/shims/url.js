// node:url for nodemailer in a page (docs/net.md, "nodemailer in a page"). nodemailer parses a
// URL (a connection string such as `smtps://…`, a proxy, an attachment's href) with node:url's
// legacy parse() and resolve(), which no browser API has (the npm `url` package does): the
// page gives nodemailer an options object, and each of the two throws saying so. domainToASCII / domainToUnicode are left out on
// purpose: without them nodemailer encodes addresses' domains with its own punycode.
const absent = (name) => () => {
  throw new Error(`node:url's ${name}() is not in this page (tests/clients/page/shims/url.js): give nodemailer an options object, not a URL`);
};
export const parse = absent('parse');
export const resolve = absent('resolve');
export default { parse, resolve };
