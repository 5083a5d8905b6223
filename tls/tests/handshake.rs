//! The record layer against rustls' own server, in-process: certificates from the test CA
//! (scripts/make-certs.sh, made into a temporary folder), bytes pumped between the two sides.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use kvsocket_tls::{Phase, RecordLayer, Session, TlsOptions};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};

fn certs() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kvsocket-tls-test-{}", std::process::id()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/make-certs.sh");
        let ok = Command::new("bash")
            .arg(script)
            .arg(&dir)
            .status()
            .expect("bash");
        assert!(ok.success(), "make-certs.sh failed");
        dir
    })
}

fn read(name: &str) -> String {
    std::fs::read_to_string(certs().join(name)).unwrap()
}

fn server(name: &str, versions: &[&'static rustls::SupportedProtocolVersion]) -> ServerConnection {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(read(&format!("{name}.pem")).as_bytes())
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_slice(read(&format!("{name}.key")).as_bytes()).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"irc".to_vec()];
    ServerConnection::new(Arc::new(config)).unwrap()
}

fn options(servername: &str, with_ca: bool) -> TlsOptions {
    TlsOptions {
        servername: servername.into(),
        ca: if with_ca {
            vec![read("ca.pem")]
        } else {
            vec![]
        },
        reject_unauthorized: true,
        alpn: vec![],
    }
}

/// Moves bytes both ways until neither side has anything to say; the server's plaintext is
/// collected into `got`.
fn pump(client: &mut Session, server: &mut ServerConnection, got: &mut Vec<u8>) {
    for _ in 0..64 {
        let mut moved = false;
        let out = client.take_ciphertext();
        if !out.is_empty() {
            moved = true;
            let mut rd = &out[..];
            while !rd.is_empty() {
                server.read_tls(&mut rd).unwrap();
                if server.process_new_packets().is_err() {
                    break;
                }
            }
            let _ = server.reader().read_to_end(got);
        }
        let mut back = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut back).unwrap();
        }
        if !back.is_empty() {
            moved = true;
            client.feed(&back);
        }
        if !moved {
            return;
        }
    }
    panic!("pump did not settle");
}

fn handshake(version: &'static rustls::SupportedProtocolVersion, protocol: &str) {
    let mut srv = server("server", &[version]);
    let mut cli = Session::new(&options("localhost", true)).unwrap();
    assert_eq!(cli.phase(), Phase::Handshaking);
    let mut got = Vec::new();
    // Written before the handshake: kept, then sent once secure.
    cli.write(b"early ");
    pump(&mut cli, &mut srv, &mut got);
    assert_eq!(cli.phase(), Phase::Secure, "{:?}", cli.error());
    cli.write(b"hello");
    pump(&mut cli, &mut srv, &mut got);
    assert_eq!(got, b"early hello");

    // 100 KiB from the server arrives once, in order (several records).
    let big: Vec<u8> = (0..100 * 1024).map(|i| (i % 251) as u8).collect();
    let mut seen = Vec::new();
    for chunk in big.chunks(16 * 1024) {
        srv.writer().write_all(chunk).unwrap();
        pump(&mut cli, &mut srv, &mut got);
        seen.extend(cli.take_plaintext());
    }
    assert_eq!(seen, big);

    let n = cli.negotiated().unwrap();
    assert_eq!(n.protocol, protocol);
    assert!(n.cipher.starts_with("TLS_"), "{}", n.cipher);
    assert_eq!(n.authorization_error, None);
    let cert = n.peer_certificate.unwrap();
    assert_eq!(
        cert.subject.get("CN").map(String::as_str),
        Some("localhost")
    );
    assert_eq!(
        cert.issuer.get("CN").map(String::as_str),
        Some("kvsocket test CA")
    );
    assert_eq!(cert.fingerprint256.len(), 32 * 3 - 1);
    // openssl's own reading of the same certificate.
    let fp = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(certs().join("server.pem"))
        .output()
        .unwrap();
    let fp = String::from_utf8(fp.stdout).unwrap();
    assert!(
        fp.trim().ends_with(&cert.fingerprint256),
        "{fp} vs {}",
        cert.fingerprint256
    );

    // The server's close_notify: PeerClosed, after the data.
    srv.send_close_notify();
    pump(&mut cli, &mut srv, &mut got);
    assert_eq!(cli.phase(), Phase::PeerClosed);
}

#[test]
fn tls13_handshake_data_and_close() {
    handshake(&rustls::version::TLS13, "TLSv1.3");
}

#[test]
fn tls12_handshake_data_and_close() {
    handshake(&rustls::version::TLS12, "TLSv1.2");
}

fn refused(cert: &str, opts: TlsOptions) -> String {
    let mut srv = server(cert, &[&rustls::version::TLS13]);
    let mut cli = Session::new(&opts).unwrap();
    pump(&mut cli, &mut srv, &mut Vec::new());
    assert_eq!(cli.phase(), Phase::Failed);
    cli.error().unwrap().0.to_string()
}

#[test]
fn unknown_issuer_is_refused() {
    assert_eq!(
        refused("server", options("localhost", false)),
        "TlsCertificateUnknownIssuer"
    );
}

#[test]
fn wrong_name_is_refused() {
    assert_eq!(
        refused("wrongname", options("localhost", true)),
        "TlsCertificateNameMismatch"
    );
    assert_eq!(
        refused("server", options("other.test", true)),
        "TlsCertificateNameMismatch"
    );
}

#[test]
fn expired_is_refused() {
    assert_eq!(
        refused("expired", options("localhost", true)),
        "TlsCertificateExpired"
    );
}

#[test]
fn reject_unauthorized_false_connects_and_keeps_the_verdict() {
    let mut srv = server("server", &[&rustls::version::TLS13]);
    let mut opts = options("localhost", false);
    opts.reject_unauthorized = false;
    opts.alpn = vec!["irc".into()];
    let mut cli = Session::new(&opts).unwrap();
    pump(&mut cli, &mut srv, &mut Vec::new());
    assert_eq!(cli.phase(), Phase::Secure);
    let n = cli.negotiated().unwrap();
    assert_eq!(n.authorization_error, Some("TlsCertificateUnknownIssuer"));
    assert_eq!(n.alpn.as_deref(), Some("irc"));
}

#[test]
fn a_plaintext_peer_is_a_protocol_error() {
    let mut cli = Session::new(&options("localhost", true)).unwrap();
    assert!(!cli.take_ciphertext().is_empty()); // the ClientHello
    cli.feed(b"220 smtp.example ESMTP ready\r\n");
    assert_eq!(cli.phase(), Phase::Failed);
    assert_eq!(cli.error().unwrap().0, "TlsProtocolError");
    // Nothing more is taken in or produced as plaintext.
    cli.feed(b"more");
    assert!(cli.take_plaintext().is_empty());
}

#[test]
fn bad_options_are_refused() {
    let mut o = options("localhost", false);
    o.ca = vec!["not pem".into()];
    assert_eq!(Session::new(&o).err().unwrap().name, "TlsInvalidOptions");
    let o = options("", false);
    assert_eq!(Session::new(&o).err().unwrap().name, "TlsInvalidOptions");
}
