//! The TLS record layer without I/O: ciphertext in, plaintext out; plaintext in, ciphertext out.
//! [`RecordLayer`] is what the rest of the crate (and the JS API) uses; [`Session`] implements it
//! over rustls 0.23's `unbuffered` API, the only code here that names that API, so that moving to
//! rustls 0.24 (which replaces it) touches this file alone.

use std::sync::Arc;

use rustls::client::UnbufferedClientConnection;
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError, UnbufferedStatus};

use crate::cert::{self, PeerCertificate};
use crate::config::{self, OptionsError, TlsOptions};
use crate::errors;
use crate::verify::Recorder;

/// Where the session is. The engine maps these onto the socket's states (src/engine/socket/tls.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The handshake is under way.
    Handshaking,
    /// The handshake is done: plaintext flows both ways.
    Secure,
    /// The peer sent close_notify: no more plaintext will come (it may still be read).
    PeerClosed,
    /// Failed: see [`RecordLayer::error`]. Nothing more comes in or goes out but the alert.
    Failed,
}

/// What the session negotiated, for `tlsInfo()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// "TLSv1.2" or "TLSv1.3", as Node names them.
    pub protocol: String,
    /// The IANA name of the cipher suite, e.g. "TLS_AES_128_GCM_SHA256".
    pub cipher: String,
    /// The ALPN protocol agreed on, if any.
    pub alpn: Option<String>,
    /// The certificate check's failure when `rejectUnauthorized` was false (None: it passed).
    pub authorization_error: Option<&'static str>,
    pub peer_certificate: Option<PeerCertificate>,
}

/// A TLS client's record layer, driven by its host.
pub trait RecordLayer {
    /// Ciphertext that arrived from the transport.
    fn feed(&mut self, ciphertext: &[u8]);
    /// Plaintext to send: encrypted once the handshake is done, kept until then.
    fn write(&mut self, plaintext: &[u8]);
    /// Asks for a close_notify after what was written.
    fn close(&mut self);
    /// The ciphertext to send now (the transport must send all of it, in order).
    fn take_ciphertext(&mut self) -> Vec<u8>;
    /// The plaintext that arrived, in order, each byte once.
    fn take_plaintext(&mut self) -> Vec<u8>;
    fn phase(&self) -> Phase;
    /// The failure's error name (docs/spec.md, TLS errors) and rustls' message.
    fn error(&self) -> Option<(&'static str, String)>;
    fn negotiated(&self) -> Option<Negotiated>;
}

/// Records are at most 16 KiB of plaintext plus this much framing and tag.
const RECORD_OVERHEAD: usize = 5 + 256;
const MAX_PLAINTEXT: usize = 16 * 1024;

/// Appends what `write` puts into a buffer of `guess` bytes, once more with the size it asks
/// for if that was short. Its other errors (a sequence number exhausted after 2^64 records, a
/// record encoded twice) leave nothing to send: the session then fails on the peer's side.
fn append(
    out: &mut Vec<u8>,
    guess: usize,
    mut write: impl FnMut(&mut [u8]) -> Result<usize, Option<usize>>,
) {
    let start = out.len();
    out.resize(start + guess, 0);
    let n = match write(&mut out[start..]) {
        Ok(n) => n,
        Err(Some(required)) => {
            out.resize(start + required, 0);
            write(&mut out[start..]).unwrap_or(0)
        }
        Err(None) => 0,
    };
    out.truncate(start + n);
}

fn encrypt_error(err: EncryptError) -> Option<usize> {
    match err {
        EncryptError::InsufficientSize(s) => Some(s.required_size),
        _ => None,
    }
}

/// IANA's name of a suite this client offers (ring's nine), as Node's `standardName`. Not
/// rustls' Debug: it names every suite ever registered (kilobytes of the module), and writes
/// TLS 1.3's as "TLS13_…".
fn cipher_name(suite: rustls::CipherSuite) -> &'static str {
    use rustls::CipherSuite as C;
    match suite {
        C::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        C::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        C::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        _ => "",
    }
}

pub struct Session {
    conn: UnbufferedClientConnection,
    recorder: Arc<Recorder>,
    /// Ciphertext fed but not yet processed (a partial record).
    incoming: Vec<u8>,
    /// Ciphertext produced, to be taken by the host.
    outgoing: Vec<u8>,
    /// Plaintext decrypted, to be taken by the host.
    plaintext: Vec<u8>,
    /// Plaintext written before the handshake finished.
    pending: Vec<u8>,
    close_requested: bool,
    close_sent: bool,
    phase: Phase,
    error: Option<(&'static str, String)>,
}

impl Session {
    /// A client for `opts`; the ClientHello is ready at once in [`RecordLayer::take_ciphertext`].
    pub fn new(opts: &TlsOptions) -> Result<Session, OptionsError> {
        let (config, name, recorder) = config::build(opts)?;
        let conn = UnbufferedClientConnection::new(config, name).map_err(|_| OptionsError {
            name: errors::BAD_OPTIONS,
            message: "tls: rustls refused the configuration".to_string(),
        })?;
        let mut s = Session {
            conn,
            recorder,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            plaintext: Vec::new(),
            pending: Vec::new(),
            close_requested: false,
            close_sent: false,
            phase: Phase::Handshaking,
            error: None,
        };
        s.drive();
        Ok(s)
    }

    fn fail(&mut self, err: &rustls::Error) {
        if self.phase == Phase::Failed {
            return;
        }
        let handshaking = self.phase == Phase::Handshaking;
        let mut name = errors::name_of(err, handshaking);
        // The peer's alert after we sent a certificate-bad alert is not the cause: our verdict is.
        if handshaking && name == errors::HANDSHAKE_FAILED {
            if let Some(v) = self.recorder.failure() {
                name = v;
            }
        }
        self.error = Some((name, errors::message_of(name).to_string()));
        self.phase = Phase::Failed;
    }

    /// Runs rustls until it waits for the peer (or failed), moving records between the buffers.
    fn drive(&mut self) {
        while self.phase != Phase::Failed {
            let UnbufferedStatus { discard, state } =
                self.conn.process_tls_records(&mut self.incoming);
            let mut stop = false;
            let mut failure = None;
            match state {
                Err(e) => failure = Some(e),
                Ok(ConnectionState::ReadTraffic(mut r)) => {
                    while let Some(rec) = r.next_record() {
                        match rec {
                            Ok(rec) => self.plaintext.extend_from_slice(rec.payload),
                            Err(e) => {
                                failure = Some(e);
                                break;
                            }
                        }
                    }
                }
                Ok(ConnectionState::EncodeTlsData(mut e)) => {
                    append(&mut self.outgoing, MAX_PLAINTEXT + RECORD_OVERHEAD, |buf| {
                        e.encode(buf).map_err(|err| match err {
                            EncodeError::InsufficientSize(s) => Some(s.required_size),
                            _ => None,
                        })
                    })
                }
                // The host takes `outgoing` whenever it likes; it is handed over in order.
                Ok(ConnectionState::TransmitTlsData(t)) => t.done(),
                Ok(ConnectionState::BlockedHandshake) => stop = true,
                Ok(ConnectionState::PeerClosed) => self.phase = Phase::PeerClosed,
                Ok(ConnectionState::Closed) => {
                    self.phase = Phase::PeerClosed;
                    stop = true;
                }
                Ok(ConnectionState::WriteTraffic(mut w)) => {
                    if self.phase == Phase::Handshaking {
                        self.phase = Phase::Secure;
                    }
                    let pending = std::mem::take(&mut self.pending);
                    for chunk in pending.chunks(MAX_PLAINTEXT) {
                        append(&mut self.outgoing, chunk.len() + RECORD_OVERHEAD, |buf| {
                            w.encrypt(chunk, buf).map_err(encrypt_error)
                        });
                    }
                    if self.close_requested && !self.close_sent {
                        self.close_sent = true;
                        append(&mut self.outgoing, RECORD_OVERHEAD, |buf| {
                            w.queue_close_notify(buf).map_err(encrypt_error)
                        });
                    }
                    stop = true;
                }
                Ok(_) => stop = true, // early data: a client gets none
            }
            self.incoming.drain(..discard);
            if let Some(e) = failure {
                self.fail(&e);
            }
            if stop {
                break;
            }
        }
    }
}

impl RecordLayer for Session {
    fn feed(&mut self, ciphertext: &[u8]) {
        if self.phase == Phase::Failed {
            return;
        }
        self.incoming.extend_from_slice(ciphertext);
        self.drive();
    }

    fn write(&mut self, plaintext: &[u8]) {
        if self.phase == Phase::Failed {
            return;
        }
        self.pending.extend_from_slice(plaintext);
        if self.phase != Phase::Handshaking {
            self.drive();
        }
    }

    fn close(&mut self) {
        self.close_requested = true;
        if self.phase != Phase::Handshaking && self.phase != Phase::Failed {
            self.drive();
        }
    }

    fn take_ciphertext(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.outgoing)
    }

    fn take_plaintext(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.plaintext)
    }

    fn phase(&self) -> Phase {
        self.phase
    }

    fn error(&self) -> Option<(&'static str, String)> {
        self.error.clone()
    }

    fn negotiated(&self) -> Option<Negotiated> {
        if self.phase == Phase::Handshaking || self.phase == Phase::Failed {
            return None;
        }
        let protocol = match self.conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
            // rustls negotiates nothing else; its Debug names every version ever registered.
            Some(_) => String::new(),
            None => String::new(),
        };
        let cipher = self
            .conn
            .negotiated_cipher_suite()
            .map(|s| cipher_name(s.suite()).to_string())
            .unwrap_or_default();
        Some(Negotiated {
            protocol,
            cipher,
            alpn: self
                .conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            authorization_error: self.recorder.failure(),
            peer_certificate: self
                .conn
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| cert::describe(c.as_ref())),
        })
    }
}
