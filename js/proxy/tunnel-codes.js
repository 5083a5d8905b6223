// The per-socket protocol's words and numbers (docs/proxy-protocol.md) on the proxy's side: the
// control messages' types (`TYPE.END`), the proxy's own error codes (`CODE.TARGET_DENIED`), the
// errno names it gives as a close's reason for its own decisions (`REASON.TIMED_OUT`) and the
// WebSocket close codes (`CLOSE.NORMAL`). They are src/tunnel/codes.rs's, which the page's
// transport and engine speak, read once at load from Node's module (`tunnelCodes()`): none is
// typed in JS. Plain frozen objects afterwards: nothing on the data path calls into wasm.

import './engine.js';
import { tunnelCodes } from '../../pkg/kvsocket_node.js';

/** `group.NAME value` pairs, space-separated -> { TYPE, CODE, REASON, CLOSE } (close codes as numbers). */
export function parseTunnelCodes(text) {
  const groups = { type: {}, code: {}, reason: {}, close: {} };
  const words = text.split(' ');
  for (let i = 0; i < words.length; i += 2) {
    const [group, name] = words[i].split('.');
    groups[group][name] = group === 'close' ? Number(words[i + 1]) : words[i + 1];
  }
  const { type, code, reason, close } = groups;
  return { TYPE: Object.freeze(type), CODE: Object.freeze(code), REASON: Object.freeze(reason), CLOSE: Object.freeze(close) };
}

export const { TYPE, CODE, REASON, CLOSE } = parseTunnelCodes(tunnelCodes());
