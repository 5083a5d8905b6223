//! TCP options beside KVIrc's API: no-delay and keep-alive (handed to the host by
//! `Action::Configure` when they change, and when a connection comes up with other options
//! than a host starts with: no-delay on, keep-alive off), an idle timeout
//! (`Event::Idle`), and half-close (`end()`: our FIN after the pending output, reading goes on).
//!
//! The idle timer has no clock of its own (sans-IO): while Connected it ticks every quarter of
//! the timeout on the host's `handle_timeout(now)`, and `Idle` comes after four quiet ticks in a
//! row, so between 1 and 1.25 timeouts after the last byte either way; once per quiet period.

use super::settings::MAX_SAFE_INTEGER;
use super::Engine;
use crate::engine::error::CommandError;
use crate::engine::io::{Action, Event, Millis, Protocol};
use crate::engine::state::State;

/// Quiet ticks in a row that make an idle period.
const IDLE_TICKS: u8 = 4;

impl Engine {
    /// `setNoDelay(on)`: Nagle's algorithm off (the default, as before) or on. Applied to the
    /// current connection at once, and to later ones when they come up.
    pub fn set_no_delay(&mut self, on: bool) {
        self.no_delay = on;
        self.configure_connection();
    }

    /// `setKeepAlive(on, delay_ms)`: TCP keep-alive probes after `delay_ms` of quiet (0: the
    /// system's delay). Refused unless `delay_ms` is a whole number of ms from 0 to 2^53 - 1.
    pub fn set_keep_alive(&mut self, on: bool, delay_ms: f64) -> Result<(), CommandError> {
        let result = if let Some(delay) = whole_ms(delay_ms) {
            self.keep_alive = on.then_some(delay);
            self.configure_connection();
            Ok(())
        } else {
            Err(CommandError::Unsupported(
                "keep-alive delay must be a whole number of ms from 0 to 2^53 - 1 (0: the system's)".into(),
            ))
        };
        self.note(result)
    }

    /// `setIdleTimeout(ms, now)`: an `Idle` event after `ms` without a byte either way while
    /// Connected; 0 turns it off. Refused unless a whole number of ms from 0 to 2^53 - 1.
    pub fn set_idle_timeout(&mut self, ms: f64, now: Millis) -> Result<(), CommandError> {
        if self.destroyed {
            return Ok(()); // a destroyed socket's timeout stays 0
        }
        let result = if let Some(ms) = whole_ms(ms) {
            self.clock = self.clock.max(now);
            self.idle_timeout = ms;
            self.restart_idle();
            Ok(())
        } else {
            Err(CommandError::Unsupported(
                "idle timeout must be a whole number of ms from 0 to 2^53 - 1 (0: off)".into(),
            ))
        };
        self.note(result)
    }

    /// `idleTimeout()` in ms, 0 when off.
    pub fn idle_timeout(&self) -> Millis {
        self.idle_timeout
    }

    /// `end()`: half-close. Our FIN follows the output already written, and the connection
    /// stays open for reading until the peer ends too; later writes are refused. For a TCP
    /// socket that is connecting (the FIN follows the connection) or Connected; calling it
    /// again changes nothing.
    pub fn end(&mut self) -> Result<(), CommandError> {
        let result = self.try_end();
        self.note(result)
    }

    fn try_end(&mut self) -> Result<(), CommandError> {
        if self.destroyed {
            return Err(CommandError::Destroyed);
        }
        if self.protocol != Protocol::Tcp {
            return Err(CommandError::Unsupported(
                "end: UDP has no half-close; use close()".into(),
            ));
        }
        // While connecting, the end waits for the connection (and the output queued before it).
        if !matches!(
            self.state,
            State::HostLookUp { .. } | State::Connecting { .. } | State::Connected(_)
        ) {
            return Err(CommandError::Unsupported(
                "end needs status HostLookUp, Connecting or Connected, the socket is ".to_string()
                    + self.state.status().name(),
            ));
        }
        self.output_ended = true;
        self.forget_drain(); // later writes are refused: no drain is owed (docs/spec.md)
        self.flush_outgoing(); // queues the EndOutput once nothing waits
        Ok(())
    }

    /// After the last Send of an ended output: the host's half-close.
    pub(super) fn maybe_end_output(&mut self) {
        if let State::Connected(link) = &self.state {
            if self.output_ended && !self.end_sent && self.outgoing.is_empty() {
                self.end_sent = true;
                self.actions.push_back(Action::EndOutput { id: link.id });
            }
        }
    }

    /// A connection came up: hosts start one with no-delay on and keep-alive off, so the
    /// options are only told when they differ from that.
    pub(super) fn configure_new_connection(&mut self) {
        if !self.no_delay || self.keep_alive.is_some() {
            self.configure_connection();
        }
    }

    /// An option changed: tell the host the TCP options (while Connected).
    pub(super) fn configure_connection(&mut self) {
        if let (State::Connected(link), Protocol::Tcp) = (&self.state, self.protocol) {
            self.actions.push_back(Action::Configure {
                id: link.id,
                no_delay: self.no_delay,
                keep_alive: self.keep_alive,
            });
        }
    }

    /// Bytes moved one way or the other: the idle period starts again.
    pub(super) fn note_activity(&mut self) {
        self.idle_activity = true;
    }

    /// (Re)starts the idle ticks while Connected with a timeout set: the first tick is due at
    /// once (the engine's clock may be behind the host's), and counts as activity.
    pub(super) fn restart_idle(&mut self) {
        self.idle_quiet = 0;
        self.idle_activity = true;
        self.idle_next = (self.idle_timeout > 0 && matches!(self.state, State::Connected(_)))
            .then_some(self.clock);
    }

    /// The next idle tick, while one is due.
    pub(super) fn idle_deadline(&self) -> Option<Millis> {
        self.idle_next
            .filter(|_| matches!(self.state, State::Connected(_)))
    }

    /// The clock reached `now`: one idle tick when it is due.
    pub(super) fn idle_tick(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        let Some(due) = self.idle_deadline() else {
            return;
        };
        if now < due {
            return;
        }
        if std::mem::take(&mut self.idle_activity) {
            self.idle_quiet = 0;
        } else if self.idle_quiet < IDLE_TICKS {
            // Told once per quiet period (as Node's 'timeout'): the count stays at the mark
            // until bytes move again.
            self.idle_quiet += 1;
            if self.idle_quiet == IDLE_TICKS {
                self.events.push_back(Event::Idle);
            }
        }
        self.idle_next =
            Some(now.saturating_add((self.idle_timeout / Millis::from(IDLE_TICKS)).max(1)));
    }
}

/// A whole number of ms from 0 to Number.MAX_SAFE_INTEGER (the option setters' argument), or
/// None. (Above it, 1e300 say, the value read back would not be the one set.)
fn whole_ms(value: f64) -> Option<Millis> {
    ((0.0..=MAX_SAFE_INTEGER).contains(&value) && value.fract() == 0.0).then_some(value as Millis)
}
