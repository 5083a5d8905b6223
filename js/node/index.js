// Node entry: the wasm engine is instantiated synchronously at import, so `Socket` is ready when
// `import { Socket } from 'kvsocket'` resolves (no init() call).

import { readFileSync } from 'node:fs';
import { initSync, Engine, hexToBytes } from '../../pkg/kvsocket.js';
import { createSocketClass } from '../socket.js';
import { createDirectSockets } from '../direct/index.js';
import { nodeHost } from './host.js';
import { installDuplex, toDuplex } from './duplex.js';

initSync({ module: readFileSync(new URL('../../pkg/kvsocket_bg.wasm', import.meta.url)) });

export const Socket = createSocketClass({ Engine, hexToBytes, host: nodeHost });
installDuplex(Socket);
export const { TCPSocket, UDPSocket, TCPServerSocket } = createDirectSockets(Socket);
export { toDuplex };
export { SocketError } from '../promises.js';
export default Socket;
