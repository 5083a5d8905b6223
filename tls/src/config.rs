//! The TLS options into a rustls client configuration. Certificates are checked against the
//! bundled web PKI roots (webpki-roots) plus the PEM certificates in `ca`, as Node's
//! `tls.connect({ ca })` adds to its defaults... except that Node's `ca` replaces them: here
//! `ca` adds, so that one option serves a private CA without losing the public ones.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use crate::errors::BAD_OPTIONS;
use crate::verify::Recorder;

/// What a script may set (docs/spec.md, TLS options); the host has already refused unknown keys
/// and wrong types.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    /// The name sent as SNI and checked against the certificate (a DNS name or an IP address).
    pub servername: String,
    /// PEM text, each holding one or more certificates, trusted beside the web PKI roots.
    pub ca: Vec<String>,
    /// false: connect whatever the certificate says (the failure is kept for `tlsInfo()`).
    pub reject_unauthorized: bool,
    /// ALPN protocol names offered, in order of preference.
    pub alpn: Vec<String>,
}

/// A failure to build the configuration: the error name and a message for the script.
#[derive(Debug, PartialEq, Eq)]
pub struct OptionsError {
    pub name: &'static str,
    pub message: String,
}

fn refuse(message: String) -> OptionsError {
    OptionsError {
        name: BAD_OPTIONS,
        message,
    }
}

/// The configuration, the server name, and the recorder that keeps what verification said.
pub fn build(
    opts: &TlsOptions,
) -> Result<(Arc<ClientConfig>, ServerName<'static>, Arc<Recorder>), OptionsError> {
    let name = ServerName::try_from(opts.servername.clone()).map_err(|_| {
        refuse(format!(
            "tls: servername {:?} is not a host name or IP address",
            opts.servername
        ))
    })?;
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (i, pem) in opts.ca.iter().enumerate() {
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|_| refuse(format!("tls: ca[{i}] is not PEM")))?;
            roots.add(cert).map_err(|_| {
                refuse(format!(
                    "tls: ca[{i}] holds a certificate that is not a CA root"
                ))
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(refuse(format!(
                "tls: ca[{i}] holds no PEM CERTIFICATE block"
            )));
        }
    }
    // ring, not aws-lc-rs: ring builds for wasm32-unknown-unknown (rustls marks its provider
    // deprecated only for lacking post-quantum key exchange).
    #[allow(deprecated)]
    let mut provider = rustls::crypto::ring::default_provider();
    // AES-128-GCM first (browsers' order too): in wasm ring's AES is software, and 128-bit keys
    // take 10 rounds to 256-bit keys' 14 (docs/design.md, TLS). ChaCha20 was slower still.
    {
        use rustls::crypto::ring::cipher_suite::*;
        provider.cipher_suites = vec![
            TLS13_AES_128_GCM_SHA256,
            TLS13_AES_256_GCM_SHA384,
            TLS13_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ];
    }
    let provider = Arc::new(provider);
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .map_err(|_| refuse("tls: no usable root certificate".to_string()))?;
    let recorder = Arc::new(Recorder::new(webpki, opts.reject_unauthorized));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| refuse("tls: no usable protocol version".to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    config.alpn_protocols = opts.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok((Arc::new(config), name, recorder))
}
