// Node entry: the wasm engine is instantiated synchronously at import, so `Socket` is ready when
// `import { Socket } from 'kvsocket'` resolves (no init() call).

import { readFileSync } from 'node:fs';
import {
  initSync, Engine, hexToBytes, textOfBytes, hexOfBytes, batchHeader, batchKinds,
} from '../../pkg/kvsocket.js';
import { createSocketClass } from '../socket.js';
import { nodeHost } from './host.js';

const { memory } = initSync({ module: readFileSync(new URL('../../pkg/kvsocket_bg.wasm', import.meta.url)) });

export const Socket = createSocketClass({
  Engine, hexToBytes, textOfBytes, hexOfBytes, host: nodeHost, wasm: { memory, batchHeader, batchKinds },
});
export default Socket;
