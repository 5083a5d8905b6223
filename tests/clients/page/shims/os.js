// node:os for nodemailer in a page (docs/net.md, "nodemailer in a page"). hostname() names the
// client in EHLO: a page has no host name of its own, and nodemailer turns a name without a
// dot into `[127.0.0.1]`, as it does in Node on such a machine. networkInterfaces() is empty,
// as on a runtime without an interface table (nodemailer then tries the address it resolved).
export const hostname = () => 'localhost';
export const networkInterfaces = () => ({});
export default { hostname, networkInterfaces };
