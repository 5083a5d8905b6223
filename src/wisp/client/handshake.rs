//! The handshake of [`Client`]: the server's INFO answered with ours (v2), or its first CONTINUE
//! taken as a v1 server's; credentials for a server that asks.

use super::{Client, Event, Phase, ServerInfo};
use crate::engine::text::decimal;
use crate::engine::ErrorCode;
use crate::wisp::packet::{ext, Extension, Packet, VERSION};
use crate::wisp::reason::close;
use crate::wisp::transmit::Payload;

impl<P: Payload> Client<P> {
    /// A v2 server's INFO: what it offers, answered with our INFO (or a refusal).
    pub(super) fn on_info(&mut self, packet: Packet) {
        let Packet::Info {
            major, extensions, ..
        } = packet
        else {
            return;
        };
        if major < 2 {
            return self.protocol_error(
                [
                    "the Wisp server sent INFO for version ",
                    &decimal(major.into()),
                    ", which has no INFO",
                ]
                .concat(),
            );
        }
        let find = |id: u8| extensions.iter().find(|e| e.id == id);
        self.server.udp = find(ext::UDP).is_some();
        self.server.confirms_open = find(ext::STREAM_CONFIRMATION).is_some();
        self.server.motd = find(ext::MOTD).map(|e| String::from_utf8_lossy(&e.payload).into());
        self.server.receive_pause = find(ext::RECEIVE_PAUSE).is_some();
        let password = find(ext::PASSWORD);
        let required = password.is_some_and(|e| e.payload.first().is_some_and(|&b| b != 0));
        let key_required = find(ext::KEY).is_some_and(|e| e.payload.first() == Some(&1));

        let mut ours = vec![
            Extension {
                id: ext::UDP,
                payload: Vec::new(),
            },
            Extension {
                id: ext::STREAM_CONFIRMATION,
                payload: Vec::new(),
            },
        ];
        // Our extensions are a subset of the server's: the receive pause only where offered.
        if self.server.receive_pause {
            ours.push(Extension {
                id: ext::RECEIVE_PAUSE,
                payload: Vec::new(),
            });
        }
        match (&self.config.credentials, password) {
            (Some((user, pass)), Some(_)) => match password_payload(user, pass) {
                Some(payload) => ours.push(Extension {
                    id: ext::PASSWORD,
                    payload,
                }),
                None => return self.reject(
                    close::AUTH_BAD_PASSWORD,
                    "the Wisp username must be at most 255 bytes and the password at most 65535",
                ),
            },
            (None, _) if required || (key_required && password.is_none()) => {
                return self.reject(
                    close::AUTH_MISSING,
                    "the Wisp server requires a password: give it in the proxy URL \
                     (wisp+ws://user:password@host/path/)",
                )
            }
            _ => {}
        }
        let (major, minor) = VERSION;
        self.push(&Packet::Info {
            stream: 0,
            major,
            minor,
            extensions: ours,
        });
        self.phase = Phase::Accepting;
    }

    /// We refuse the server's terms: CLOSE on stream 0, then the connection fails. `fail` leaves
    /// what is queued to transmit alone, so the CLOSE still goes out before the host closes the
    /// WebSocket.
    fn reject(&mut self, reason: u8, detail: &str) {
        self.push(&Packet::Close { stream: 0, reason });
        self.fail(ErrorCode::ProxyConnectionRefused, detail.to_owned());
    }

    /// The handshake is done (version 1 or 2): the CONNECTs that waited go out.
    pub(super) fn ready(&mut self, version: u8, credit: u32) {
        if version == 1 {
            // Protocol 1.2: UDP support is mandatory; no confirmations.
            self.server = ServerInfo {
                udp: true,
                ..ServerInfo::default()
            };
        }
        self.phase = Phase::Open { version };
        self.initial_credit = credit;
        self.events.push_back(Event::Ready { version });
        let mut waiting: Vec<u32> = self.streams.keys().copied().collect();
        super::sort_ids(&mut waiting);
        for stream in waiting {
            self.start(stream);
        }
    }
}

/// The password extension's client metadata: `username length: u8, password length: u16`
/// (little-endian), then both strings; `None` when a length does not fit. (The v2 draft's
/// table omits the password length; the deployed implementations, wisp-js and Rust's
/// wisp-mux, send it, and so do we.)
fn password_payload(user: &str, pass: &str) -> Option<Vec<u8>> {
    let ulen = u8::try_from(user.len()).ok()?;
    let plen = u16::try_from(pass.len()).ok()?;
    let mut out = vec![ulen];
    out.extend_from_slice(&plen.to_le_bytes());
    out.extend_from_slice(user.as_bytes());
    out.extend_from_slice(pass.as_bytes());
    Some(out)
}
