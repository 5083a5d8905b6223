//! Wisp packets: the byte format of protocol 1.2 and of the v2 draft (INFO and its extensions).
//! Every packet is `type: u8`, `stream id: u32` (little-endian), then a payload whose form the
//! type decides; over a WebSocket one binary message carries exactly one packet.
//!
//! Decoding never panics: a packet that is too short for its type, an unknown type or stream
//! type, a host name that is not UTF-8, an extension record that runs past the packet — each is
//! a [`PacketError`] naming what was wrong.

use std::fmt;

use crate::engine::recv::encode_hex;
use crate::engine::text::decimal;

/// The bytes before every payload: the type and the stream id.
pub const HEADER_LEN: usize = 5;

/// The protocol version kvsocket's INFO packets give (the v2 draft), the client's and
/// kvsocket-proxy's alike.
pub const VERSION: (u8, u8) = (2, 0);

/// CONNECT, DATA, CONTINUE, CLOSE, (v2) INFO, and PAUSE of kvsocket's receive-pause extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    Connect = 0x01,
    Data = 0x02,
    Continue = 0x03,
    Close = 0x04,
    Info = 0x05,
    /// kvsocket's receive pause ([`ext::RECEIVE_PAUSE`]), client to server only.
    Pause = 0x70,
}

impl PacketType {
    /// The type of a packet's first byte.
    pub fn from_byte(byte: u8) -> Result<PacketType, PacketError> {
        Ok(match byte {
            0x01 => PacketType::Connect,
            0x02 => PacketType::Data,
            0x03 => PacketType::Continue,
            0x04 => PacketType::Close,
            0x05 => PacketType::Info,
            0x70 => PacketType::Pause,
            other => return Err(PacketError::UnknownType(other)),
        })
    }

    /// The name the protocol document uses.
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::Data => "DATA",
            PacketType::Continue => "CONTINUE",
            PacketType::Close => "CLOSE",
            PacketType::Info => "INFO",
            PacketType::Pause => "PAUSE",
        }
    }
}

/// What a CONNECT asks the server to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamType {
    Tcp = 0x01,
    Udp = 0x02,
}

impl StreamType {
    /// The stream type of a CONNECT's byte.
    pub fn from_byte(byte: u8) -> Result<StreamType, PacketError> {
        match byte {
            0x01 => Ok(StreamType::Tcp),
            0x02 => Ok(StreamType::Udp),
            other => Err(PacketError::UnknownStreamType(other)),
        }
    }
}

/// The type and stream id of a packet, all that a receiver needs to route a DATA payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub kind: PacketType,
    pub stream: u32,
}

impl Header {
    /// Reads the first [`HEADER_LEN`] bytes of a packet.
    pub fn decode(bytes: &[u8]) -> Result<Header, PacketError> {
        let head = bytes.get(..HEADER_LEN).ok_or(PacketError::Truncated {
            what: "packet header",
            need: HEADER_LEN,
            got: bytes.len(),
        })?;
        Ok(Header {
            kind: PacketType::from_byte(head[0])?,
            stream: u32::from_le_bytes([head[1], head[2], head[3], head[4]]),
        })
    }

    /// The header's bytes.
    pub fn encode(self) -> [u8; HEADER_LEN] {
        let id = self.stream.to_le_bytes();
        [self.kind as u8, id[0], id[1], id[2], id[3]]
    }
}

/// How many bytes of a message beginning with `first` (of `len` bytes in all) a client must
/// look at: a DATA packet's payload is routed by its header alone and need not be copied.
pub fn bytes_needed(first: u8, len: usize) -> usize {
    if first == PacketType::Data as u8 {
        len.min(HEADER_LEN)
    } else {
        len
    }
}

/// One record of an INFO packet's extension list: an id and its metadata (the v2 draft's
/// `id: u8, length: u32, metadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub id: u8,
    pub payload: Vec<u8>,
}

/// Extension ids of the v2 draft.
pub mod ext {
    /// UDP streams are supported (no metadata).
    pub const UDP: u8 = 0x01;
    /// Password authentication: the server's metadata is `required: u8`; the client's is
    /// `username length: u8, password length: u16, username, password`.
    pub const PASSWORD: u8 = 0x02;
    /// Public-key authentication (not offered by this client).
    pub const KEY: u8 = 0x03;
    /// The server's message of the day (UTF-8).
    pub const MOTD: u8 = 0x04;
    /// The server confirms each opened stream with a CONTINUE (no metadata).
    pub const STREAM_CONFIRMATION: u8 = 0x05;
    /// kvsocket's receive pause (docs/wisp.md; no metadata): agreed, the client may send PAUSE
    /// packets (type 0x70, the extension's id, as Twisp's 0xF0 does) for a TCP stream, and the
    /// server stops reading that stream's target while it is paused.
    pub const RECEIVE_PAUSE: u8 = 0x70;
}

/// A decoded packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Connect {
        stream: u32,
        kind: StreamType,
        port: u16,
        host: String,
    },
    Data {
        stream: u32,
        payload: Vec<u8>,
    },
    /// The number of further DATA packets the server can buffer for the stream (stream 0: the
    /// initial credit of every stream, which ends the handshake).
    Continue {
        stream: u32,
        credit: u32,
    },
    Close {
        stream: u32,
        reason: u8,
    },
    Info {
        stream: u32,
        major: u8,
        minor: u8,
        extensions: Vec<Extension>,
    },
    /// The client stops (`paused`) or starts again reading the stream: `paused: u8`, 1 or 0.
    Pause {
        stream: u32,
        paused: bool,
    },
}

impl Packet {
    /// The packet's stream id.
    pub fn stream(&self) -> u32 {
        match self {
            Packet::Connect { stream, .. }
            | Packet::Data { stream, .. }
            | Packet::Continue { stream, .. }
            | Packet::Close { stream, .. }
            | Packet::Info { stream, .. }
            | Packet::Pause { stream, .. } => *stream,
        }
    }

    /// The packet's type.
    pub fn kind(&self) -> PacketType {
        match self {
            Packet::Connect { .. } => PacketType::Connect,
            Packet::Data { .. } => PacketType::Data,
            Packet::Continue { .. } => PacketType::Continue,
            Packet::Close { .. } => PacketType::Close,
            Packet::Info { .. } => PacketType::Info,
            Packet::Pause { .. } => PacketType::Pause,
        }
    }

    /// Decodes one whole packet (one WebSocket message).
    pub fn decode(bytes: &[u8]) -> Result<Packet, PacketError> {
        let Header { kind, stream } = Header::decode(bytes)?;
        let payload = &bytes[HEADER_LEN..];
        let need = |n: usize| {
            if payload.len() < n {
                Err(PacketError::Truncated {
                    what: kind.name(),
                    need: HEADER_LEN + n,
                    got: bytes.len(),
                })
            } else {
                Ok(())
            }
        };
        Ok(match kind {
            PacketType::Connect => {
                need(3)?;
                let host = std::str::from_utf8(&payload[3..])
                    .map_err(|_| PacketError::HostNotUtf8)?
                    .to_owned();
                Packet::Connect {
                    stream,
                    kind: StreamType::from_byte(payload[0])?,
                    port: u16::from_le_bytes([payload[1], payload[2]]),
                    host,
                }
            }
            PacketType::Data => Packet::Data {
                stream,
                payload: payload.to_vec(),
            },
            PacketType::Continue => {
                need(4)?;
                Packet::Continue {
                    stream,
                    credit: u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]),
                }
            }
            PacketType::Close => {
                need(1)?;
                Packet::Close {
                    stream,
                    reason: payload[0],
                }
            }
            PacketType::Info => {
                need(2)?;
                Packet::Info {
                    stream,
                    major: payload[0],
                    minor: payload[1],
                    extensions: decode_extensions(&payload[2..])?,
                }
            }
            PacketType::Pause => {
                need(1)?;
                Packet::Pause {
                    stream,
                    paused: payload[0] != 0,
                }
            }
        })
    }

    /// Appends the packet's bytes to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(
            &Header {
                kind: self.kind(),
                stream: self.stream(),
            }
            .encode(),
        );
        match self {
            Packet::Connect {
                kind, port, host, ..
            } => {
                out.push(*kind as u8);
                out.extend_from_slice(&port.to_le_bytes());
                out.extend_from_slice(host.as_bytes());
            }
            Packet::Data { payload, .. } => out.extend_from_slice(payload),
            Packet::Continue { credit, .. } => out.extend_from_slice(&credit.to_le_bytes()),
            Packet::Close { reason, .. } => out.push(*reason),
            Packet::Pause { paused, .. } => out.push(u8::from(*paused)),
            Packet::Info {
                major,
                minor,
                extensions,
                ..
            } => {
                out.push(*major);
                out.push(*minor);
                for e in extensions {
                    push_extension(out, e.id, &e.payload);
                }
            }
        }
    }

    /// Appends an INFO packet of [`VERSION`] on stream 0 whose extensions are `ids`, none with
    /// metadata (what kvsocket-proxy offers), without making an [`Extension`] of each.
    pub fn encode_info_ids(ids: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(
            &Header {
                kind: PacketType::Info,
                stream: 0,
            }
            .encode(),
        );
        out.push(VERSION.0);
        out.push(VERSION.1);
        for &id in ids {
            push_extension(out, id, &[]);
        }
    }

    /// The packet's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }
}

/// One extension record of an INFO: `id: u8, length: u32, metadata`.
fn push_extension(out: &mut Vec<u8>, id: u8, metadata: &[u8]) {
    out.push(id);
    // A metadata longer than u32::MAX cannot be built in wasm32's memory.
    out.extend_from_slice(&(metadata.len() as u32).to_le_bytes());
    out.extend_from_slice(metadata);
}

fn decode_extensions(mut bytes: &[u8]) -> Result<Vec<Extension>, PacketError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 5 {
            return Err(PacketError::ExtensionTruncated {
                need: 5,
                got: bytes.len(),
            });
        }
        let id = bytes[0];
        let len = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]) as usize;
        let rest = &bytes[5..];
        if rest.len() < len {
            return Err(PacketError::ExtensionTruncated {
                need: 5 + len,
                got: bytes.len(),
            });
        }
        out.push(Extension {
            id,
            payload: rest[..len].to_vec(),
        });
        bytes = &rest[len..];
    }
    Ok(out)
}

/// Why bytes are not a Wisp packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketError {
    /// Fewer bytes than the header or the type's fixed fields need.
    Truncated {
        what: &'static str,
        need: usize,
        got: usize,
    },
    /// A type byte outside CONNECT..INFO.
    UnknownType(u8),
    /// A CONNECT stream type other than TCP (1) or UDP (2).
    UnknownStreamType(u8),
    /// A CONNECT host name that is not UTF-8.
    HostNotUtf8,
    /// An INFO extension record that runs past the end of the packet.
    ExtensionTruncated { need: usize, got: usize },
}

impl PacketError {
    /// The text of this error, built without `core::fmt` (src/engine/text.rs: the module size).
    pub fn message(&self) -> String {
        let count = |n: &usize| decimal(*n as u64);
        match self {
            PacketError::Truncated { what, need, got } => [
                "truncated Wisp ",
                what,
                ": needs ",
                &count(need),
                " bytes, got ",
                &count(got),
            ]
            .concat(),
            PacketError::UnknownType(t) => {
                "unknown Wisp packet type 0x".to_string() + &encode_hex(&[*t])
            }
            PacketError::UnknownStreamType(t) => {
                "unknown Wisp stream type 0x".to_string() + &encode_hex(&[*t])
            }
            PacketError::HostNotUtf8 => "Wisp CONNECT host name is not UTF-8".into(),
            PacketError::ExtensionTruncated { need, got } => [
                "truncated Wisp INFO extension: needs ",
                &count(need),
                " bytes, got ",
                &count(got),
            ]
            .concat(),
        }
    }
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for PacketError {}
