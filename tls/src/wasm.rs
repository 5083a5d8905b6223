//! The JS API of the TLS module (pkg/kvsocket_tls.js): one `TlsClient` per TLS connection, driven
//! by the host's TLS layer (js/tls.js). Bytes cross as Uint8Array copies; errors as JS Errors
//! whose `name` is the error name (docs/spec.md, TLS errors).

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::cert::PeerCertificate;
use crate::session::{Phase, RecordLayer, Session};
use crate::TlsOptions;

#[wasm_bindgen]
pub struct TlsClient {
    session: Session,
}

fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

fn names(map: &std::collections::BTreeMap<String, String>) -> Object {
    let o = Object::new();
    for (k, v) in map {
        set(&o, k, v.as_str());
    }
    o
}

fn certificate(c: &PeerCertificate) -> Object {
    let o = Object::new();
    set(&o, "subject", names(&c.subject));
    set(&o, "issuer", names(&c.issuer));
    set(&o, "validFrom", c.valid_from.as_str());
    set(&o, "validTo", c.valid_to.as_str());
    set(&o, "fingerprint256", c.fingerprint256.as_str());
    o
}

/// `phase()`'s numbering: a phase's place here.
const PHASES: [(Phase, &str); 4] = [
    (Phase::Handshaking, "handshaking"),
    (Phase::Secure, "secure"),
    (Phase::PeerClosed, "peerClosed"),
    (Phase::Failed, "failed"),
];

#[wasm_bindgen]
impl TlsClient {
    /// A client whose ClientHello is ready in `takeCiphertext()`. Throws an Error named
    /// TlsInvalidOptions for an unusable `servername` or `ca`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        servername: String,
        ca: Vec<String>,
        reject_unauthorized: bool,
        alpn: Vec<String>,
    ) -> Result<TlsClient, JsValue> {
        let opts = TlsOptions {
            servername,
            ca,
            reject_unauthorized,
            alpn,
        };
        Session::new(&opts)
            .map(|session| TlsClient { session })
            .map_err(|e| {
                let err = js_sys::Error::new(&e.message);
                err.set_name(e.name);
                err.into()
            })
    }

    /// Ciphertext from the transport; returns the plaintext it completed (maybe empty).
    pub fn feed(&mut self, ciphertext: &[u8]) -> Vec<u8> {
        self.session.feed(ciphertext);
        self.session.take_plaintext()
    }

    /// Plaintext to send; returns the ciphertext to send now (empty while handshaking).
    pub fn write(&mut self, plaintext: &[u8]) -> Vec<u8> {
        self.session.write(plaintext);
        self.session.take_ciphertext()
    }

    /// Queues close_notify (after what was written); take it with `takeCiphertext()`.
    pub fn close(&mut self) {
        self.session.close();
    }

    #[wasm_bindgen(js_name = takeCiphertext)]
    pub fn take_ciphertext(&mut self) -> Vec<u8> {
        self.session.take_ciphertext()
    }

    /// The session's phase as its place in `PHASES` (`TlsClient.phases()` names them).
    pub fn phase(&self) -> u8 {
        let now = self.session.phase();
        PHASES.iter().position(|(p, _)| *p == now).unwrap_or(0) as u8
    }

    /// The names of `phase()`'s numbers, in order, space-separated: JS reads its numbers from
    /// here (js/tls/layer.js), not typed a second time.
    pub fn phases() -> String {
        PHASES.map(|(_, name)| name).join(" ")
    }

    #[wasm_bindgen(js_name = errorName)]
    pub fn error_name(&self) -> Option<String> {
        self.session.error().map(|(n, _)| n.to_string())
    }

    #[wasm_bindgen(js_name = errorMessage)]
    pub fn error_message(&self) -> Option<String> {
        self.session.error().map(|(_, m)| m)
    }

    /// `{ protocol, cipher, alpn, authorized, authorizationError, peerCertificate }` once secure,
    /// else null (the host adds `servername`).
    pub fn info(&self) -> JsValue {
        let Some(n) = self.session.negotiated() else {
            return JsValue::NULL;
        };
        let o = Object::new();
        set(&o, "protocol", n.protocol.as_str());
        set(&o, "cipher", n.cipher.as_str());
        set(
            &o,
            "alpn",
            n.alpn.map(JsValue::from).unwrap_or(JsValue::NULL),
        );
        set(&o, "authorized", n.authorization_error.is_none());
        set(
            &o,
            "authorizationError",
            n.authorization_error
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL),
        );
        set(
            &o,
            "peerCertificate",
            n.peer_certificate
                .as_ref()
                .map(|c| JsValue::from(certificate(c)))
                .unwrap_or(JsValue::NULL),
        );
        o.into()
    }
}
