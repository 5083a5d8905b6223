// node:child_process for nodemailer in a page (docs/net.md, "nodemailer in a page"): its
// sendmail transport spawns a program, which a page cannot; spawn() throws saying so.
export function spawn() {
  throw new Error('node:child_process is not in a page (tests/clients/page/shims/child-process.js): nodemailer\'s sendmail transport cannot run there; use SMTP');
}
export default { spawn };
