// The two globals Node clients use without importing them (pg: Buffer, process.env,
// process.nextTick), from their npm packages; imported first by a page's entry (docs/net.md).
import { Buffer } from 'buffer';
import process from 'process';

globalThis.Buffer ??= Buffer;
globalThis.process ??= process;
