//! kvsocket-proxy's per-socket protocol (docs/proxy-protocol.md): one WebSocket per socket (a
//! TCP tunnel, a reverse tunnel's listener and its claims, a UDP session), binary frames for the
//! data and JSON text frames for the control messages. [`codes`] names its words and numbers
//! once: the browser transport (src/transport/browser/) speaks them, the engine classifies them
//! (src/engine/ws_close.rs, `ErrorCode::from_host`), and kvsocket-proxy reads them from Node's
//! module (`tunnelCodes()`, js/proxy/tunnel-codes.js).

pub mod codes;
