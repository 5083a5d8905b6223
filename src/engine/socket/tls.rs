//! The TLS phase (docs/spec.md, TLS): which connection is secured, and when the script is told.
//! The host runs the handshake and the record layer (rustls in the page, node:tls in Node); the
//! engine decides every state a script sees:
//!
//! - With the `tls` option, a transport that connects does not make the socket Connected: it
//!   stays Connecting (the connect timeout still runs) and the host is asked to handshake
//!   (`Action::StartTls`); `Input::Secure` then makes it Connected. A failed handshake or a
//!   refused certificate is `connectFailedEvent` with the TLS error's name, and the next address
//!   of a name is not tried (the same server answers).
//! - `start_tls()` on a Connected plain TCP socket (STARTTLS) asks the host to handshake over
//!   the connection; `Input::Secure` is then `Event::Secure`, a failure `disconnectEvent`.
//!   Bytes that arrived before it were plaintext and stay readable as they are. Writes made
//!   while the handshake runs wait in the engine's queue until `Input::Secure` (no host keeps
//!   plaintext of its own before its TLS layer can take it).

use std::net::SocketAddr;

use super::Engine;
use crate::engine::error::{CommandError, ErrorCode};
use crate::engine::io::{Action, ConnId, Event, Protocol};
use crate::engine::state::{Link, State};
use crate::engine::tls_options::{TlsHandshake, TlsOptions};

/// Where the connection is, as for TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum TlsPhase {
    /// No TLS on this connection (yet).
    #[default]
    Plain,
    /// `tls` option: the transport is up (its addresses kept here), the handshake runs while
    /// the socket is still Connecting.
    Handshaking(Link),
    /// `start_tls()`: the handshake runs on the Connected socket.
    Upgrading,
    /// The handshake is done.
    Secure,
}

impl Engine {
    /// The `tls` option: later connections handshake before they are Connected, with these
    /// options (none when `enabled` is false; `TlsOptions::on` for `tls: true` / `false`).
    pub fn set_tls(&mut self, options: TlsOptions) {
        self.tls_wanted = options.enabled.then(|| Box::new(options));
    }

    /// Whether the current connection is secured (`tlsInfo()` is null otherwise).
    pub fn is_secure(&self) -> bool {
        self.tls_phase == TlsPhase::Secure
            && matches!(self.state, State::Connected(_) | State::Closing(_))
    }

    /// `startTls(options)` (`TlsOptions::default()` for none): true when the upgrade started,
    /// with these options for its handshake. Refused (false, `last_error`) unless the socket is
    /// a Connected TCP socket that is not already secured or being secured.
    pub fn start_tls(&mut self, options: &TlsOptions) -> Result<(), CommandError> {
        let result = match (&self.state, self.protocol, &self.tls_phase) {
            (State::Connected(link), Protocol::Tcp, TlsPhase::Plain) => {
                let (id, remote) = (link.id, link.remote);
                self.tls_phase = TlsPhase::Upgrading;
                let tls = self.tls_handshake(options, remote);
                self.actions.push_back(Action::StartTls { id, tls });
                Ok(())
            }
            (State::Connected(_), Protocol::Udp, _) => Err(CommandError::Unsupported(
                "startTls: TLS needs a TCP socket (DTLS is not supported)".into(),
            )),
            (State::Connected(_), _, _) => Err(CommandError::Unsupported(
                "startTls: the connection is already secured or being secured".into(),
            )),
            (state, _, _) => Err(CommandError::Unsupported(
                [
                    "startTls needs status Connected, the socket is ",
                    state.status().name(),
                ]
                .concat(),
            )),
        };
        self.note(result)
    }

    /// Bytes reached the engine around the host's TLS layer while a handshake runs (a page's
    /// layer hands on what arrives before its module has loaded): nothing but the server's TLS
    /// records can follow the ClientHello, and the layer passes on only what it decrypted, so
    /// the peer spoke before the handshake and the connection is not TLS. Fails it
    /// (TlsProtocolError, read by the state as any TLS failure) and returns true; false when
    /// no handshake runs.
    pub(super) fn tls_refuses_plain(&mut self, id: ConnId) -> bool {
        let handshaking = matches!(
            self.tls_phase,
            TlsPhase::Handshaking(_) | TlsPhase::Upgrading
        ) && matches!(self.state, State::Connecting { .. } | State::Connected(_));
        if handshaking {
            self.on_failed(id, ErrorCode::TlsProtocolError.name());
        }
        handshaking
    }

    /// Whether output waits for `start_tls()`'s handshake (writes stay queued until `Secure`).
    pub(super) fn tls_holds_output(&self) -> bool {
        self.tls_phase == TlsPhase::Upgrading
    }

    /// On the transport's `Connected`: true when the TLS phase takes it (the socket stays
    /// Connecting and the host handshakes), false for a plain connection.
    pub(super) fn tls_on_connected(
        &mut self,
        id: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> bool {
        let Some(options) = &self.tls_wanted else {
            return false;
        };
        if self.protocol != Protocol::Tcp {
            return false;
        }
        let tls = self.tls_handshake(options, remote);
        self.tls_phase = TlsPhase::Handshaking(Link { id, local, remote });
        self.actions.push_back(Action::StartTls { id, tls });
        true
    }

    /// The options of a handshake with `remote` (the address the host reported): `servername`
    /// defaults to the name `connect()` was given, else `remote`'s IP address.
    fn tls_handshake(&self, options: &TlsOptions, remote: SocketAddr) -> Box<TlsHandshake> {
        Box::new(options.resolve(self.connect_name.as_deref(), remote.ip()))
    }

    /// `Input::Secure`: the handshake on transport `id` is done.
    pub(super) fn on_secure(&mut self, id: ConnId) {
        match (&self.state, &self.tls_phase) {
            (State::Connecting { id: current, .. }, TlsPhase::Handshaking(link))
                if *current == id && link.id == id =>
            {
                let link = link.clone();
                self.tls_phase = TlsPhase::Secure;
                self.become_connected(link);
            }
            (State::Connected(link) | State::Closing(link), TlsPhase::Upgrading)
                if link.id == id =>
            {
                self.tls_phase = TlsPhase::Secure;
                if matches!(self.state, State::Connected(_)) {
                    self.events.push_back(Event::Secure);
                }
                self.flush_outgoing();
            }
            _ => {}
        }
    }

    /// A connect-phase failure while handshaking: the error as it is when the host named a TLS
    /// failure, else (the transport broke or closed mid-handshake) TlsHandshakeFailed; and no
    /// next address. None when not handshaking.
    pub(super) fn tls_connect_failure(&self, code: ErrorCode) -> Option<ErrorCode> {
        matches!(self.tls_phase, TlsPhase::Handshaking(_)).then(|| {
            if code.is_tls() {
                code
            } else {
                ErrorCode::TlsHandshakeFailed
            }
        })
    }

    /// A Connected socket's failure during `start_tls`'s handshake: a TLS error as it is, else
    /// (the connection broke mid-handshake) TlsHandshakeFailed.
    pub(super) fn tls_upgrade_failure(&self, code: ErrorCode) -> ErrorCode {
        if self.tls_phase == TlsPhase::Upgrading && !code.is_tls() {
            ErrorCode::TlsHandshakeFailed
        } else {
            code
        }
    }

    /// The transport ended (peer closed or gone) while the socket was Connecting: during the
    /// handshake that is a failed handshake, not something to wait out.
    pub(super) fn tls_on_transport_end(&mut self, id: ConnId) {
        if matches!(self.state, State::Connecting { id: current, .. } if current == id)
            && matches!(self.tls_phase, TlsPhase::Handshaking(_))
        {
            self.fail_connect(ErrorCode::TlsHandshakeFailed);
        }
    }
}
