// kvsocket/tls in a page (package.json's ./tls, browser condition): the same as in Node
// (js/net/tls.js) over the page's kvsocket/net; TLS runs in the page (kvsocket's wasm TLS
// module), so the proxy carries ciphertext only. A bundler aliases `tls` here.

import { Socket } from './browser.js';
import { createTls } from './tls.js';
import { NODE_CODES } from './errors.js';

export const { TLSSocket, connect } = createTls({ Socket });
export { NODE_CODES };
export default { TLSSocket, connect, NODE_CODES };
