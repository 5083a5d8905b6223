//! The numbers of the Wisp format that JavaScript needs, named once: packet types, stream types,
//! extension ids, CLOSE reasons, and the sizes (the header, the largest DATA payload the client
//! sends). The JS side (js/proxy/wisp-codec.js: kvsocket-proxy's `/wisp/`)
//! reads them from the module (`wispCodes()`, src/transport/wisp/mod.rs) and never
//! types one.

use super::client::MAX_DATA;
use super::packet::{ext, PacketType, StreamType, HEADER_LEN};
use super::reason::close;

/// A group (`type`: `TYPE.DATA` in JS; "" for the sizes, which stand alone), its names
/// (space-separated), and their values in the same order. One text of names per group, not a
/// string per name: the list costs the module half as much.
pub type Group = (&'static str, &'static str, &'static [u32]);

/// Every number, by group. Each value is the constant itself, so the list cannot disagree with
/// the codec; tests/wisp_codes.rs checks that it is complete and that names and values pair up.
pub const CODES: &[Group] = &[
    (
        "",
        "HEADER_LEN MAX_DATA",
        &[HEADER_LEN as u32, MAX_DATA as u32],
    ),
    (
        "type",
        "CONNECT DATA CONTINUE CLOSE INFO PAUSE",
        &[
            PacketType::Connect as u32,
            PacketType::Data as u32,
            PacketType::Continue as u32,
            PacketType::Close as u32,
            PacketType::Info as u32,
            PacketType::Pause as u32,
        ],
    ),
    (
        "stream",
        "TCP UDP",
        &[StreamType::Tcp as u32, StreamType::Udp as u32],
    ),
    (
        "ext",
        "UDP PASSWORD KEY MOTD STREAM_CONFIRMATION RECEIVE_PAUSE",
        &[
            ext::UDP as u32,
            ext::PASSWORD as u32,
            ext::KEY as u32,
            ext::MOTD as u32,
            ext::STREAM_CONFIRMATION as u32,
            ext::RECEIVE_PAUSE as u32,
        ],
    ),
    (
        "close",
        "UNKNOWN VOLUNTARY NETWORK_ERROR INCOMPATIBLE_EXTENSIONS INVALID_INFO UNREACHABLE \
         CONNECT_TIMEOUT REFUSED TRANSFER_TIMEOUT BLOCKED THROTTLED CLIENT_ERROR \
         AUTH_BAD_PASSWORD AUTH_BAD_SIGNATURE AUTH_MISSING",
        &[
            close::UNKNOWN as u32,
            close::VOLUNTARY as u32,
            close::NETWORK_ERROR as u32,
            close::INCOMPATIBLE_EXTENSIONS as u32,
            close::INVALID_INFO as u32,
            close::UNREACHABLE as u32,
            close::CONNECT_TIMEOUT as u32,
            close::REFUSED as u32,
            close::TRANSFER_TIMEOUT as u32,
            close::BLOCKED as u32,
            close::THROTTLED as u32,
            close::CLIENT_ERROR as u32,
            close::AUTH_BAD_PASSWORD as u32,
            close::AUTH_BAD_SIGNATURE as u32,
            close::AUTH_MISSING as u32,
        ],
    ),
];

/// The groups as text, `name value` pairs separated by spaces, a grouped name as `group.NAME`:
/// what JS reads (js/proxy/wisp-codec.js).
pub fn push_text(out: &mut String, groups: &[Group]) {
    for (group, names, values) in groups {
        for (name, value) in names.split(' ').zip(values.iter()) {
            if !out.is_empty() {
                out.push(' ');
            }
            if !group.is_empty() {
                out.push_str(group);
                out.push('.');
            }
            out.push_str(name);
            out.push(' ');
            crate::engine::text::push_decimal(out, u64::from(*value));
        }
    }
}
