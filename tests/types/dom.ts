// Type-checked where the lib includes "dom": Blobs, and listeners written with DOM types.
import { Socket } from 'kvsocket';

const s = new Socket({ proxy: 'ws://127.0.0.1:8081/?host={host}&port={port}' });
s.write(new Blob(['text']));
s.addEventListener('dataAvailable', (e: CustomEvent<{ length: number }>) => e.detail.length);
s.addEventListener('connected', (e: Event) => e.type);
const target: EventTarget = s;
target.dispatchEvent(new Event('anything'));
