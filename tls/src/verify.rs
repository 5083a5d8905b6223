//! The certificate check: rustls' web PKI verifier, whose verdict is kept (for `tlsInfo()`'s
//! `authorized` / `authorizationError`) and, with `rejectUnauthorized: false`, not enforced.
//! Handshake signatures are always checked: a peer must still hold the key of the certificate it
//! shows, or the session would not be the one the certificate names.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, SignatureScheme};

use crate::errors;

#[derive(Debug)]
pub struct Recorder {
    inner: Arc<WebPkiServerVerifier>,
    enforce: bool,
    /// None before the check; Some(None) passed; Some(Some(name)) failed with that error name.
    verdict: Mutex<Option<Option<&'static str>>>,
}

impl Recorder {
    pub fn new(inner: Arc<WebPkiServerVerifier>, enforce: bool) -> Self {
        Recorder {
            inner,
            enforce,
            verdict: Mutex::new(None),
        }
    }

    /// The failure's error name, if the certificate was checked and failed.
    pub fn failure(&self) -> Option<&'static str> {
        self.verdict.lock().ok().and_then(|v| v.flatten())
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let result =
            self.inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some(result.as_ref().err().map(|e| errors::name_of(e, true)));
        }
        match result {
            Err(_) if !self.enforce => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
