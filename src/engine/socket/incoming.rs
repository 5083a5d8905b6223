//! Incoming connections: the Connected socket a listener's host hands over, and `accept(other)`
//! moving that connection to another socket.

use std::net::SocketAddr;

use super::Engine;
use crate::engine::error::CommandError;
use crate::engine::io::{ConnId, Event, Protocol};
use crate::engine::state::{Link, State};

impl Engine {
    /// A listening socket's host accepted a TCP connection. Returns the new socket (Connected,
    /// addresses set) and queues `IncomingConnection`; `None` when this socket is not listening
    /// on `id`, and the host should drop the connection.
    pub fn handle_incoming(
        &mut self,
        id: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Option<Engine> {
        match self.state {
            State::Listening { id: current, .. } if current == id && !self.destroyed => {}
            _ => return None,
        }
        let mut child = Engine::new();
        child.connect_timeout = self.connect_timeout;
        child.send_high_water = self.send_high_water;
        child.recv_high_water = self.recv_high_water;
        child.transport_resolves_names = self.transport_resolves_names;
        child.no_delay = self.no_delay;
        child.keep_alive = self.keep_alive;
        child.idle_timeout = self.idle_timeout;
        child.clock = self.clock;
        let child_id = child.new_id();
        child.state = State::Connected(Link {
            id: child_id,
            local,
            remote,
        });
        // Born connected (no stateChanged): its options and idle ticks start here.
        child.configure_new_connection();
        child.restart_idle();
        self.events.push_back(Event::IncomingConnection);
        Some(child)
    }

    /// `accept(other)` with another socket: `self` (Unconnected, TCP) takes over `incoming`'s
    /// connection, its buffered bytes and its queued actions and events; `incoming` is left
    /// destroyed.
    pub fn adopt(&mut self, incoming: &mut Engine) -> Result<(), CommandError> {
        let result = self.try_adopt(incoming);
        self.note(result)
    }

    fn try_adopt(&mut self, incoming: &mut Engine) -> Result<(), CommandError> {
        self.require_unconnected("accept")?;
        if self.protocol != Protocol::Tcp {
            return Err(CommandError::CannotAccept(
                "the accepting socket is set to UDP",
            ));
        }
        let link = match &incoming.state {
            State::Connected(link) if !incoming.destroyed => link.clone(),
            _ => {
                return Err(CommandError::CannotAccept(
                    "the incoming connection is no longer open",
                ))
            }
        };
        incoming.state = State::Unconnected;
        self.recv = std::mem::take(&mut incoming.recv);
        self.outgoing = std::mem::take(&mut incoming.outgoing);
        self.buffered = std::mem::take(&mut incoming.buffered);
        self.over_high_water = self.buffered > self.send_high_water;
        self.reading_paused = std::mem::take(&mut incoming.reading_paused);
        self.actions.extend(incoming.actions.drain(..));
        self.events.extend(incoming.events.drain(..));
        incoming.destroyed = true;
        // Born connected: no stateChanged, as for the socket handed to incomingConnectionEvent.
        self.state = State::Connected(link);
        self.output_ended = std::mem::take(&mut incoming.output_ended);
        self.end_sent = std::mem::take(&mut incoming.end_sent);
        // This socket's own options apply from now on, when they differ from what the host has.
        if (self.no_delay, self.keep_alive) != (incoming.no_delay, incoming.keep_alive) {
            self.configure_connection();
        }
        self.restart_idle();
        self.maybe_resume_reading();
        Ok(())
    }
}
