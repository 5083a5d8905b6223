// Type-checked where the lib includes "dom" (Web Streams, AbortSignal): the Direct Sockets
// classes and the signal option.
import { Socket, TCPSocket, UDPSocket, TCPServerSocket } from 'kvsocket';

async function direct(): Promise<void> {
  const sock = await Socket.connect('127.0.0.1', 7000, { signal: AbortSignal.timeout(1000) });
  sock.destroy();
  const tcp = new TCPSocket('127.0.0.1', 7000, { sendBufferSize: 65536 });
  const { readable, writable, remotePort } = await tcp.opened;
  await writable.getWriter().write(new Uint8Array([1]));
  const { value } = await readable.getReader().read();
  // Typed chunks: Uint8Array from a TCP readable, UDPMessages, accepted TCPSockets.
  const bytes: Uint8Array | undefined = value;
  // @ts-expect-error the chunks are typed (they were `any`): a Uint8Array is no string
  const text: string | undefined = value;
  void bytes, text;
  const udp = new UDPSocket({ localAddress: '127.0.0.1' });
  await (await udp.opened).writable.getWriter().write({ data: new Uint8Array(1), remoteAddress: '127.0.0.1', remotePort: 9 });
  const server = new TCPServerSocket('127.0.0.1', { backlog: 4 });
  const accepted = await (await server.opened).readable.getReader().read();
  const next: TCPSocket | undefined = accepted.value;
  const datagram = await (await udp.opened).readable.getReader().read();
  const sender: string | undefined = datagram.value?.remoteAddress;
  const data: Uint8Array | undefined = datagram.value?.data;
  void next, sender, data;
  await tcp.close();
  await tcp.closed;
  const port: number = remotePort;
  void value, accepted, port;
}
void direct;
