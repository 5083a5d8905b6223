// What `write` accepts, turned into bytes. Type checks live here so that a bad argument throws
// before anything is queued (docs/spec.md: atomic writes).

const encoder = new TextEncoder();

// Looked up once: in a page that is not cross-origin isolated SharedArrayBuffer is not defined,
// and `typeof` of a missing global misses V8's cache on every call (~5 µs of an echo's round
// trip in Chromium's profile).
const Shared = typeof SharedArrayBuffer === 'undefined' ? null : SharedArrayBuffer;
const BlobClass = typeof Blob === 'undefined' ? null : Blob;

function viewBytes(data) {
  // A view first: what nearly every write passes; a plain Uint8Array as it is (no view made
  // per write: a relay writes what readBytes() gave it). Subclasses (a Node Buffer, whose
  // slice() is a view) and other views get a plain Uint8Array over their bytes.
  if (ArrayBuffer.isView(data)) {
    return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer || (Shared !== null && data instanceof Shared)) return new Uint8Array(data);
  return null;
}

/** True when every UTF-16 unit of `text` is ASCII (then its UTF-8 bytes are its units). */
export function isAscii(text) {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** True for a Blob (or a File): its bytes are read asynchronously. */
export function isBlob(data) {
  return BlobClass !== null && data instanceof BlobClass;
}

/**
 * The bytes of `data`: a string (UTF-8), an ArrayBuffer or any ArrayBufferView (Buffer too), or
 * an Array of integers 0-255, strings and byte views (the seed's `$array(...)`). Throws TypeError
 * for anything else, naming the first bad array item.
 */
export function toBytes(data) {
  if (typeof data === 'string') return encoder.encode(data);
  const view = viewBytes(data);
  if (view) return view;
  if (Array.isArray(data)) {
    // Every index, holes included (map() skips a hole, which is no byte either).
    const parts = Array.from(data, (item, i) => {
      if (typeof item === 'number') {
        if (Number.isInteger(item) && item >= 0 && item <= 255) return item;
        throw new TypeError(`write: array item ${i} is ${item}, not an integer from 0 to 255`);
      }
      if (typeof item === 'string') return encoder.encode(item);
      const bytes = viewBytes(item);
      if (bytes) return bytes;
      throw new TypeError(`write: array item ${i} is ${describe(item)}; expected a byte (0-255), a string or bytes`);
    });
    const total = parts.reduce((n, p) => n + (typeof p === 'number' ? 1 : p.length), 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      if (typeof p === 'number') out[at++] = p;
      else { out.set(p, at); at += p.length; }
    }
    return out;
  }
  throw new TypeError(`write: cannot write ${describe(data)}; expected a string, bytes, an Array or a Blob`);
}

export function describe(value) {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `${typeof value} ${String(value)}`;
}

/** A plain Uint8Array over the same bytes (a Node Buffer is a subclass): what readBytes()
 * hands out. */
export const plain = (b) => (b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.length));

/** The last (up to 3) bytes of `bytes`, packed as `Engine.receivedHeld` takes them (the UTF-8
 * rule of a text read looks at them). */
export function tailOf(bytes) {
  const n = bytes.length;
  if (n >= 3) return 0x3000000 | (bytes[n - 3] << 16) | (bytes[n - 2] << 8) | bytes[n - 1];
  if (n === 2) return 0x2000000 | (bytes[0] << 8) | bytes[1];
  return 0x1000000 | bytes[0];
}
