//! What the host reports: [`Engine::handle`] for each [`Input`] and [`Engine::handle_timeout`]
//! for the connect deadline. An input for another transport than the current one is stale and
//! changes nothing.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};

use super::Engine;
use crate::engine::error::{split_detail, ErrorCode};
use crate::engine::held::Held;
use crate::engine::io::{Action, ConnId, Event, Input, Millis, Protocol};
use crate::engine::state::{Link, State};
use crate::engine::ws_close;

impl Engine {
    /// Feeds one input. Inputs for another transport than the current one are stale and ignored.
    pub fn handle(&mut self, input: Input) {
        if self.destroyed {
            return;
        }
        match input {
            Input::Resolved { id, addrs } => self.on_resolved(id, addrs),
            Input::Connected { id, local, remote } => self.on_connected(id, local, remote),
            Input::Received { id, data, from } => self.on_received(id, data, from),
            Input::Sent { id, len } => self.on_sent(id, len),
            Input::PeerClosed { id } => self.on_peer_closed(id, false),
            Input::Closed { id } => self.on_peer_closed(id, true),
            Input::Flushed { id } => self.on_flushed(id),
            Input::Failed { id, error } => self.on_failed(id, &error),
            Input::Secure { id } => self.on_secure(id),
            Input::Listening { id, local } => self.on_listening(id, local),
            Input::WsClosed {
                id,
                code,
                reason,
                opened,
            } => self.on_ws_closed(id, code, &reason, opened),
        }
    }

    /// The clock reached `now`: fails a lookup or connect whose deadline passed.
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.destroyed {
            return;
        }
        if let Some(deadline) = self.state.deadline() {
            if now >= deadline {
                self.fail_connect(ErrorCode::SocketTimeout);
            }
        }
        self.idle_tick(now);
    }

    fn on_listening(&mut self, id: ConnId, local: SocketAddr) {
        if let State::Listening {
            id: current,
            local: bound,
        }
        | State::Bound {
            id: current,
            local: bound,
        } = &mut self.state
        {
            // Hosts may report the same bind twice (at once and on their own event): tell once.
            if *current == id && bound.is_none() {
                *bound = Some(local);
                self.events.push_back(Event::Listening { local });
            }
        }
    }

    fn on_resolved(&mut self, id: ConnId, addrs: Vec<IpAddr>) {
        let State::HostLookUp {
            id: current,
            port,
            deadline,
        } = self.state
        else {
            return;
        };
        if current != id {
            return;
        }
        let mut next: VecDeque<IpAddr> = addrs.into();
        let Some(first) = next.pop_front() else {
            return self.fail_connect(ErrorCode::HostNotFound);
        };
        self.events.push_back(Event::HostFound);
        let attempt = self.new_id();
        self.start_attempt(attempt, SocketAddr::new(first, port), next, deadline);
    }

    pub(super) fn start_attempt(
        &mut self,
        id: ConnId,
        remote: SocketAddr,
        next: VecDeque<IpAddr>,
        deadline: Millis,
    ) {
        self.set_state(State::Connecting {
            id,
            remote,
            next,
            deadline,
        });
        self.actions.push_back(Action::Connect {
            id,
            addr: remote,
            protocol: self.protocol,
        });
    }

    fn on_connect_failed(&mut self, id: ConnId, error: &str) {
        let (name, detail) = split_detail(error);
        let code = ErrorCode::from_host(name);
        // A failed handshake is the server's answer: no next address (socket/tls.rs).
        if matches!(self.state, State::Connecting { id: current, .. } if current == id) {
            if let Some(code) = self.tls_connect_failure(code) {
                return self.fail_connect(code);
            }
        }
        match &mut self.state {
            State::HostLookUp { id: current, .. } if *current == id => {
                // Whatever the resolver said, a name that did not resolve is HostNotFound.
                let code = if code == ErrorCode::UnknownSocket {
                    ErrorCode::HostNotFound
                } else {
                    code
                };
                self.fail_connect_with(code, detail);
            }
            State::Connecting {
                id: current,
                remote,
                next,
                deadline,
            } if *current == id => {
                // A name with several addresses: try the next one within the same deadline.
                match next.pop_front() {
                    Some(ip) => {
                        let (remote, next, deadline) = (
                            SocketAddr::new(ip, remote.port()),
                            std::mem::take(next),
                            *deadline,
                        );
                        let attempt = self.new_id();
                        self.state = State::Connecting {
                            id: attempt,
                            remote,
                            next,
                            deadline,
                        };
                        self.actions.push_back(Action::Connect {
                            id: attempt,
                            addr: remote,
                            protocol: self.protocol,
                        });
                    }
                    None => self.fail_connect_with(code, detail),
                }
            }
            _ => {}
        }
    }

    fn on_connected(&mut self, id: ConnId, local: SocketAddr, remote: SocketAddr) {
        match self.state {
            State::Connecting { id: current, .. } if current == id => {}
            _ => return,
        }
        if self.tls_on_connected(id, local, remote) {
            return; // Connecting until the handshake is done (socket/tls.rs)
        }
        self.become_connected(Link { id, local, remote });
    }

    /// The connection is up (and secured, with the `tls` option): Connected.
    pub(super) fn become_connected(&mut self, link: Link) {
        self.set_state(State::Connected(link));
        self.events.push_back(Event::Connected);
        self.flush_outgoing();
    }

    fn on_received(&mut self, id: ConnId, data: Vec<u8>, from: Option<SocketAddr>) {
        if self.state.id() != Some(id) || data.is_empty() || self.tls_refuses_plain(id) {
            return;
        }
        match (&self.state, self.protocol) {
            (State::Connected(_), Protocol::Tcp) => self.recv.push_stream(data),
            // After close() the script is done reading (docs/spec.md, close): what arrives while
            // Closing is discarded, on every host alike, and no dataAvailable follows.
            (State::Closing(_), _) => return,
            (State::Connected(link), Protocol::Udp) => {
                let from = from.or(Some(link.remote));
                self.recv.push_datagram(data, from);
            }
            (State::Bound { .. }, Protocol::Udp) => self.recv.push_datagram(data, from),
            _ => return,
        }
        self.after_received(id);
    }

    /// Stream bytes arrived in a chunk the host holds (a JS host's chunk as the network gave
    /// it, queued by handle: docs/design.md, the receive path); `tail` is its last bytes (the
    /// last 3 at least, when there are that many), which the UTF-8 rule of `read_text` needs.
    /// Taken on the same terms as `Input::Received`'s stream bytes, and read with
    /// [`Engine::read_held`]. Returns whether it was taken: when not (a stale id, a status
    /// that takes no input, a UDP socket), the host drops it (a UDP host feeds
    /// `Input::Received` instead). A host gives all of a connection's stream bytes held or none.
    pub fn received_held(&mut self, id: ConnId, data: Held, tail: &[u8]) -> bool {
        let takes = !self.destroyed
            && !data.is_empty()
            && self.state.id() == Some(id)
            && self.protocol == Protocol::Tcp
            // Not while Closing: the script is done reading (as on_received).
            && matches!(self.state, State::Connected(_));
        if takes && self.tls_refuses_plain(id) {
            return true;
        }
        if takes {
            self.recv.push_held(data, tail);
            self.after_received(id);
        }
        takes
    }

    /// Bytes were buffered: dataAvailable, and a pause past the receive high-water mark.
    fn after_received(&mut self, id: ConnId) {
        self.note_activity();
        self.events.push_back(Event::DataAvailable(self.recv.len()));
        if !self.reading_paused
            && self.protocol == Protocol::Tcp
            && self.recv.len() > self.recv_high_water
        {
            self.reading_paused = true;
            self.actions.push_back(Action::PauseReading { id });
        }
    }

    fn on_sent(&mut self, id: ConnId, len: usize) {
        if self.state.id() != Some(id) {
            return;
        }
        self.buffered = self.buffered.saturating_sub(len);
        self.note_activity();
        self.check_drain();
        self.check_flushed();
    }

    fn on_peer_closed(&mut self, id: ConnId, transport_gone: bool) {
        if self.state.id() != Some(id) {
            return;
        }
        match &self.state {
            State::Connected(_) => {
                self.actions.push_back(Action::Shutdown { id });
                self.disconnect(String::new());
            }
            // While Closing, a peer that only ended its side still takes our bytes: wait for
            // them to be sent. A transport that is gone with bytes unsent (or not confirmed
            // flushed) lost them.
            State::Closing(_) if transport_gone => {
                if !self.output_pending() {
                    self.disconnect(String::new());
                } else {
                    self.fail_connection(ErrorCode::RemoteHostClosed);
                }
            }
            State::Connecting { .. } => self.tls_on_transport_end(id),
            _ => {}
        }
    }

    /// The transport confirmed that everything it took went to the network: a Closing socket
    /// no longer waits for it (what `close()` in the turn of a let-through write waits for),
    /// nor for `Sent` reports still owed, since those bytes went too.
    fn on_flushed(&mut self, id: ConnId) {
        if self.state.id() != Some(id) || !matches!(self.state, State::Closing(_)) {
            return;
        }
        // Only once the Shutdown went out: before it, output may still be queued here.
        if self.shutdown_queued && self.outgoing.is_empty() {
            self.flush_unconfirmed = false;
            self.buffered = 0;
            self.check_flushed();
        }
    }

    fn on_ws_closed(&mut self, id: ConnId, code: u16, reason: &str, opened: bool) {
        if self.state.id() != Some(id) {
            return;
        }
        let connecting = matches!(
            self.state,
            State::HostLookUp { .. } | State::Connecting { .. }
        );
        // The host may add what it knows beside the close (`NAME: detail`: the proxy's words,
        // or where the page looked for the proxy); the detail goes on to the error's message.
        let (reason, detail) = split_detail(reason);
        let error = if connecting || !opened {
            ws_close::connect_error(code, reason)
        } else if ws_close::is_clean(code)
            && self.protocol == Protocol::Tcp
            && matches!(self.state, State::Connected(_) | State::Closing(_))
        {
            // The target ended the connection (Connected), or the proxy confirmed our end
            // after every byte reached the target (Closing).
            self.on_peer_closed(id, false);
            return self.on_peer_closed(id, true);
        } else {
            ws_close::close_error(code, reason)
        };
        match detail {
            Some(detail) => self.on_failed(id, &format!("{}: {detail}", error.name())),
            None => self.on_failed(id, error.name()),
        }
    }

    pub(super) fn on_failed(&mut self, id: ConnId, error: &str) {
        if self.state.id() != Some(id) {
            return;
        }
        let code = ErrorCode::from_host(error);
        match self.state {
            State::HostLookUp { .. } | State::Connecting { .. } => {
                self.on_connect_failed(id, error)
            }
            // The system refused one datagram as larger than UDP allows: that write failed, the
            // socket did not (as Qt's DatagramTooLargeError). The host still reports the
            // datagram `Sent`, so it leaves `bufferedAmount`.
            State::Connected(_) | State::Bound { .. }
                if self.protocol == Protocol::Udp && code == ErrorCode::DatagramTooLarge =>
            {
                self.report_error(code, false)
            }
            State::Connected(_) | State::Closing(_) => {
                let code = self.tls_upgrade_failure(code);
                self.fail_connection(code)
            }
            State::Listening { .. } | State::Bound { .. } => {
                self.actions.push_back(Action::Abort { id });
                self.report_error(code, true);
                // A bound UDP socket's unsent answers are lost with it.
                self.discard_output();
                self.set_state(State::Unconnected);
            }
            State::Unconnected => {}
        }
    }
}
