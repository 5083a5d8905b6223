//! kvsocket-proxy's half of the Wisp format, in Node's module only (scripts/build.sh builds it
//! without the `browser` feature; a page never serves Wisp): the codec of src/wisp/packet.rs,
//! the client's, parses what clients send (`wispDecode`) and frames CONTINUE, CLOSE and INFO
//! (`wispFrame`) for js/proxy/wisp-packet.js. DATA is the one packet JS frames and reads itself
//! (js/proxy/wisp-codec.js): its 5-byte header, with the type and size from `wispCodes`, in
//! front of a payload that never enters wasm memory, at no call into wasm per packet.
//!
//! Only numbers cross: each call writes its answer into one scratch area here (`wispOut`: its
//! address, valid until the next call of this file) and returns its length, as the engine's text
//! reads do (src/bindings/text.rs). A call returning a String or an object cost its wasm-bindgen
//! shim ~250 B of module, and an object's fields as many calls out of wasm.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::wisp::{Packet, PacketError, PacketType};

thread_local! {
    /// The last answer.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `write` on the cleared scratch area; returns the length it wrote.
fn answer(write: impl FnOnce(&mut Vec<u8>)) -> u32 {
    OUT.with(|out| {
        let mut out = out.borrow_mut();
        out.clear();
        write(&mut out);
        out.len() as u32
    })
}

/// The address of the last answer in wasm memory.
#[wasm_bindgen(js_name = wispOut)]
pub fn wisp_out() -> u32 {
    OUT.with(|out| out.borrow().as_ptr() as u32)
}

/// Decodes one packet a client sent (one binary WebSocket message). A packet is 4 u32 words,
/// little-endian — `type`, `stream`, then by type: `streamType`, `port` (CONNECT); `credit`
/// (CONTINUE); `reason` (CLOSE); `major`, `minor` (INFO); `paused` 1 or 0 (PAUSE); 0 for the
/// rest — then a CONNECT's host name (UTF-8: checked here) or an INFO's extension ids, a byte
/// each (their metadata is not read). A DATA packet is its header alone; the caller reads DATA
/// itself (js/proxy/wisp-codec.js), since decoding one here copies its payload in and out for
/// nothing. Returns the length; for bytes that are not a packet, minus the length of the
/// error's text (src/wisp/packet.rs `PacketError`), which the area then holds.
#[wasm_bindgen(js_name = wispDecode)]
pub fn wisp_decode(message: &[u8]) -> i32 {
    let mut failed = false;
    let len = answer(|out| {
        if let Err(e) = decode_into(message, out) {
            out.clear();
            out.extend_from_slice(e.message().as_bytes());
            failed = true;
        }
    }) as i32;
    if failed {
        -len
    } else {
        len
    }
}

fn decode_into(message: &[u8], out: &mut Vec<u8>) -> Result<(), PacketError> {
    let packet = Packet::decode(message)?;
    let mut words = [packet.kind() as u32, packet.stream(), 0, 0];
    out.extend_from_slice(&[0; 16]);
    match packet {
        Packet::Connect {
            kind, port, host, ..
        } => {
            words[2] = kind as u32;
            words[3] = port.into();
            out.extend_from_slice(host.as_bytes());
        }
        Packet::Continue { credit, .. } => words[2] = credit,
        Packet::Close { reason, .. } => words[2] = reason.into(),
        Packet::Pause { paused, .. } => words[2] = paused.into(),
        Packet::Info {
            major,
            minor,
            extensions,
            ..
        } => {
            words[2] = major.into();
            words[3] = minor.into();
            out.extend(extensions.iter().map(|e| e.id));
        }
        Packet::Data { .. } => {}
    }
    for (at, word) in words.iter().enumerate() {
        out[at * 4..at * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    Ok(())
}

/// Frames a CONTINUE (`value`: the credit; stream 0: every new stream's), a CLOSE (`value`: the
/// reason, src/wisp/reason.rs), a PAUSE (`value`: 1 paused, 0 resumed) of `stream`, or an INFO
/// (stream 0, kvsocket's version) listing the extensions `ids` (for the other types: none), each
/// without metadata (what kvsocket-proxy offers). Returns the packet's length; 0 for CONNECT and
/// DATA, which carry more than numbers, or a byte that is no type.
#[wasm_bindgen(js_name = wispFrame)]
pub fn wisp_frame(kind: u8, stream: u32, value: u32, ids: &[u8]) -> u32 {
    let packet = match PacketType::from_byte(kind) {
        Ok(PacketType::Continue) => Packet::Continue {
            stream,
            credit: value,
        },
        Ok(PacketType::Close) => Packet::Close {
            stream,
            reason: value as u8,
        },
        Ok(PacketType::Pause) => Packet::Pause {
            stream,
            paused: value != 0,
        },
        Ok(PacketType::Info) => return answer(|out| Packet::encode_info_ids(ids, out)),
        _ => return 0,
    };
    answer(|out| packet.encode_into(out))
}
