//! rustls' errors as the names scripts see in `connectFailedEvent` / `disconnectEvent`
//! (docs/spec.md, TLS errors). One name for each thing a user can act on: which certificate
//! rule failed, or that the handshake itself failed.

use rustls::{CertificateError, Error, InvalidMessage};

/// The certificate chains to no trusted root (neither the web PKI roots nor `ca`).
pub const UNKNOWN_ISSUER: &str = "TlsCertificateUnknownIssuer";
/// The certificate is not valid for the name asked for (`servername` or the host).
pub const NAME_MISMATCH: &str = "TlsCertificateNameMismatch";
/// The certificate (or one in its chain) has expired.
pub const EXPIRED: &str = "TlsCertificateExpired";
/// The certificate is not valid yet.
pub const NOT_YET_VALID: &str = "TlsCertificateNotYetValid";
/// The certificate was revoked.
pub const REVOKED: &str = "TlsCertificateRevoked";
/// Any other certificate problem (bad encoding, bad signature, unsupported use).
pub const BAD_CERTIFICATE: &str = "TlsCertificateInvalid";
/// The peer does not speak TLS (a plaintext server answered) or sent malformed records.
pub const NOT_TLS: &str = "TlsProtocolError";
/// The handshake failed otherwise: the peer's alert, no common version or cipher, the
/// connection closed mid-handshake.
pub const HANDSHAKE_FAILED: &str = "TlsHandshakeFailed";
/// After the handshake: a record failed to decrypt or the peer sent a fatal alert.
pub const TLS_FAILED: &str = "TlsError";
/// The options were refused (an unparsable `ca`, an invalid `servername`).
pub const BAD_OPTIONS: &str = "TlsInvalidOptions";

/// The name for a rustls error; `handshaking` picks between the handshake's and the session's
/// generic name.
pub fn name_of(err: &Error, handshaking: bool) -> &'static str {
    match err {
        Error::InvalidCertificate(c) => certificate(c),
        Error::InvalidMessage(InvalidMessage::InvalidContentType)
        | Error::InvalidMessage(InvalidMessage::UnknownProtocolVersion)
        | Error::InvalidMessage(InvalidMessage::MessageTooLarge)
        | Error::InvalidMessage(InvalidMessage::InvalidEmptyPayload)
            if handshaking =>
        {
            NOT_TLS
        }
        _ if handshaking => HANDSHAKE_FAILED,
        _ => TLS_FAILED,
    }
}

fn certificate(err: &CertificateError) -> &'static str {
    match err {
        CertificateError::UnknownIssuer => UNKNOWN_ISSUER,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            NAME_MISMATCH
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => EXPIRED,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            NOT_YET_VALID
        }
        CertificateError::Revoked => REVOKED,
        _ => BAD_CERTIFICATE,
    }
}

/// A sentence for each name, for `errorMessage()`. Not rustls' own messages: their Display and
/// Debug code (every alert and misbehaviour named) costs the module kilobytes, and the name says
/// what a script acts on.
pub fn message_of(name: &str) -> &'static str {
    match name {
        UNKNOWN_ISSUER => "the certificate is not signed by a trusted authority",
        NAME_MISMATCH => "the certificate is not valid for this host name",
        EXPIRED => "the certificate has expired",
        NOT_YET_VALID => "the certificate is not valid yet",
        REVOKED => "the certificate was revoked",
        BAD_CERTIFICATE => "the certificate is invalid",
        NOT_TLS => "the server does not speak TLS",
        HANDSHAKE_FAILED => "the TLS handshake failed",
        BAD_OPTIONS => "the TLS options are invalid",
        _ => "TLS error",
    }
}
