// kvsocket/tls in Node (package.json's ./tls): node:tls's connect() and TLSSocket over
// kvsocket/net (js/net/tls.js). A client's require('tls') aliased here secures over kvsocket.
//
//   import tls from 'kvsocket/tls';
//   const s = tls.connect({ host: 'localhost', port: 993, ca });

import { Socket } from './index.js';
import { createTls } from './tls.js';
import { NODE_CODES } from './errors.js';

export const { TLSSocket, connect } = createTls({ Socket });
export { NODE_CODES };
export default { TLSSocket, connect, NODE_CODES };
