//! The sans-IO socket engine: no I/O, no clock, no JS. The host feeds [`Input`]s and performs the
//! [`Action`]s it drains; the script is told the [`Event`]s. See docs/design.md.

pub mod address;
pub mod direct;
pub mod error;
pub mod held;
pub mod io;
pub mod ip;
pub mod options;
pub mod proxy;
pub mod recv;
pub mod send;
pub mod socket;
pub mod state;
pub mod text;
pub mod tls_options;
pub mod ws_close;

pub use address::{Host, PortArg};
pub use error::{CommandError, ErrorCode};
pub use held::{Chunk, Held, HeldSlice};
pub use io::{Action, ConnId, Event, Input, Millis, Protocol, Status, Through, Turn};
pub use options::Options;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(crate) use socket::Queues;
pub use socket::{write_length, AcceptArgs, AcceptAs, Engine};
