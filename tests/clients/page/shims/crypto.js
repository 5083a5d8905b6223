// node:crypto for nodemailer in a page (docs/net.md, "nodemailer in a page"): randomBytes, which
// nodemailer takes for MIME boundaries and Message-IDs, from the page's WebCrypto. The HMAC,
// hashes and signatures nodemailer calls synchronously for CRAM-MD5 login, DKIM and OAuth2
// service accounts are async in WebCrypto (crypto-browserify has them in JavaScript, at a far
// larger size): each throws, naming itself.
import { Buffer } from 'buffer';

export function randomBytes(size) {
  if (!Number.isSafeInteger(size) || size < 0 || size > 65536) throw new RangeError(`randomBytes: size must be an integer from 0 to 65536 (getRandomValues' limit), got ${size}`);
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(size)));
}

const absent = (name) => () => {
  throw new Error(`node:crypto's ${name}() is not in this page (tests/clients/page/shims/crypto.js): nodemailer needs it for CRAM-MD5, DKIM or OAuth2 service accounts`);
};
export const createHmac = absent('createHmac');
export const createHash = absent('createHash');
export const createSign = absent('createSign');

export default { randomBytes, createHmac, createHash, createSign };
