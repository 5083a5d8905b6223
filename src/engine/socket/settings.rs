//! What the script sets on [`Engine`]: protocol, connect timeout, high-water marks, and the
//! host's own options and failures.

use crate::engine::error::{CommandError, ErrorCode};
use crate::engine::io::{Millis, Protocol};
use crate::engine::options::Options;

use super::Engine;

impl Engine {
    /// `new Socket(options)`: applies each option given by its setter's rule (the protocol,
    /// then the connect and idle timeouts); the first refused one is the error. `now` is the
    /// host's clock (the idle timeout's start).
    pub fn configure(&mut self, options: &Options, now: Millis) -> Result<(), CommandError> {
        if let Some(name) = &options.protocol {
            self.set_protocol(name)?;
        }
        if let Some(ms) = options.connect_timeout {
            self.set_connect_timeout(ms)?;
        }
        if let Some(ms) = options.idle_timeout {
            self.set_idle_timeout(ms, now)?;
        }
        if let Some(tls) = &options.tls {
            if tls.enabled && self.protocol == Protocol::Udp {
                return Err(CommandError::Unsupported(
                    "tls needs protocol tcp (DTLS is not supported)".into(),
                ));
            }
            self.set_tls(tls.clone());
        }
        Ok(())
    }

    /// `setProtocol(name)`, any case; only while Unconnected.
    pub fn set_protocol(&mut self, name: &str) -> Result<(), CommandError> {
        let result = self.require_unconnected("setProtocol").and_then(|_| {
            match name.to_ascii_lowercase().as_str() {
                "tcp" => Ok(Protocol::Tcp),
                "udp" => Ok(Protocol::Udp),
                _ => Err(CommandError::UnknownProtocol(name.to_string())),
            }
        });
        let result = result.map(|p| self.protocol = p);
        self.note(result)
    }

    /// `setConnectTimeout(ms)`: a positive integer.
    pub fn set_connect_timeout(&mut self, ms: f64) -> Result<(), CommandError> {
        if self.destroyed {
            return Ok(()); // a destroyed socket's timeout stays 0
        }
        let result =
            positive_integer(ms, "connect timeout").map(|v| self.connect_timeout = v as Millis);
        self.note(result)
    }

    /// `setHighWaterMark(bytes)`: a positive integer.
    pub fn set_high_water_mark(&mut self, bytes: f64) -> Result<(), CommandError> {
        let result = positive_integer(bytes, "high-water mark")
            .map(|v| self.send_high_water = saturating(v));
        self.note(result)
    }

    /// The receive high-water mark past which the host stops reading; raising it above what
    /// is buffered resumes a paused receive.
    pub fn set_receive_high_water_mark(&mut self, bytes: f64) -> Result<(), CommandError> {
        let result = positive_integer(bytes, "receive high-water mark")
            .map(|v| self.recv_high_water = saturating(v));
        if result.is_ok() {
            self.maybe_resume_reading();
        }
        self.note(result)
    }

    /// Whether host names skip HostLookUp and go to the transport as they are (the browser host,
    /// whose proxy resolves them). Off by default.
    pub fn set_transport_resolves_names(&mut self, on: bool) {
        self.transport_resolves_names = on;
    }

    /// A `connect` (`listen` when `listen`) the host cannot carry out for this socket, for
    /// `refusal` (a page with no proxy URL, a Wisp server that cannot listen): refused as the
    /// command itself would be first (destroyed, another status), and otherwise with the host's
    /// reason. Hosts ask this before the command, so that the order of the two is the engine's.
    pub fn refuse(&mut self, listen: bool, refusal: &str) -> Result<(), CommandError> {
        let command = if listen { "listen" } else { "connect" };
        let result = self
            .require_unconnected(command)
            .and_then(|()| Err(CommandError::Unsupported(refusal.to_string())));
        self.note(result)
    }

    /// Records a failure that the host decided outside a command (a wrong argument type, a
    /// host that cannot do what was asked), so `lastError()` tells it.
    /// After `destroy()` it stays what destroy() said.
    pub fn set_last_error(&mut self, message: &str) {
        if self.destroyed {
            return;
        }
        self.set_error(ErrorCode::UnknownSocket, message.to_string());
    }
}

/// A byte count as usize: on wasm32 a mark of 4 GiB or more means "no mark" rather than what
/// `as` would leave of it (2^32 + 1 would become 1).
fn saturating(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

/// The largest integer a JS number holds exactly (Number.MAX_SAFE_INTEGER): the bound of every
/// count and duration a script sets.
pub(super) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A positive integer that JS numbers hold exactly (up to `Number.MAX_SAFE_INTEGER`).
fn positive_integer(value: f64, what: &'static str) -> Result<u64, CommandError> {
    if value.is_finite() && value >= 1.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER {
        Ok(value as u64)
    } else {
        Err(CommandError::NotPositive(what))
    }
}
