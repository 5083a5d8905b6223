//! Wisp (the TCP/UDP-over-one-WebSocket protocol of v86, Puter, libcurl.js and epoxy-tls),
//! sans-IO like the engine: [`packet`] is the byte format, [`client`] the client side of one
//! connection (handshake v2 with v1 fallback, streams, per-stream credit), [`reason`] what a
//! server's CLOSE means to a socket, [`codes`] the format's numbers that JavaScript reads. The
//! hosts (src/transport/wisp/, for browsers and Node alike) carry the packets over a WebSocket
//! and feed each stream's socket engine; kvsocket-proxy's `/wisp/` parses and frames its packets
//! with [`packet`] too (src/transport/wisp/codec.rs).

pub mod client;
pub mod codes;
pub mod packet;
pub mod reason;
pub mod transmit;

pub use client::{Client, Config, Event, Payload, ServerInfo, Transmit, MAX_DATA};
pub use packet::{Extension, Header, Packet, PacketError, PacketType, StreamType, HEADER_LEN};
pub use transmit::Counted;
