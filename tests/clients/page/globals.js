// The globals Node clients use without importing them (pg: Buffer, process.env,
// process.nextTick; nodemailer: setImmediate), from their npm packages or, for setImmediate,
// the page's setTimeout (a later task, as Node's immediate runs after pending I/O); imported
// first by a page's entry (docs/net.md).
// Also node:buffer's `constants`, which the npm buffer package lacks (ioredis's pipelines read
// constants.MAX_STRING_LENGTH): Node's values.
import buffer, { Buffer } from 'buffer';
import process from 'process';

globalThis.Buffer ??= Buffer;
globalThis.process ??= process;
globalThis.setImmediate ??= (callback, ...args) => setTimeout(callback, 0, ...args);
globalThis.clearImmediate ??= (id) => clearTimeout(id);
buffer.constants ??= { MAX_LENGTH: buffer.kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 };
