#!/usr/bin/env bash
# A test CA and the server certificates the TLS tests need, made at test time into DIR (the
# tests' temporary folder): nothing secret is committed and nothing expires in the repository.
#   ca.pem            the test CA (what a test passes as `ca`; the demo's IRC server over TLS
#                     uses one too: www/ngircd.js)
#   server.pem/.key   localhost, 127.0.0.1 and ::1, signed by the CA: the good server
#   wrongname.pem/.key  other.test only, signed by the CA: TlsCertificateNameMismatch
#   expired.pem/.key  localhost, valid January 2020 only, signed by the CA: TlsCertificateExpired
# Usage: make-certs.sh DIR. P-256 keys: fast to make, and every TLS version here supports them.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -subj "/O=kvsocket tests/CN=kvsocket test CA" -days 2 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem 2>/dev/null

# leaf NAME SAN [openssl ca dates...]: NAME.pem/NAME.key signed by the CA.
leaf() {
  local name=$1 san=$2
  shift 2
  key "$name.key"
  local cn=${san%%,*}
  openssl req -new -key "$name.key" -subj "/O=kvsocket tests/CN=${cn#DNS:}" -out "$name.csr" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" > "$name.ext"
  if [ $# -eq 0 ]; then
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  else
    # Chosen dates need `openssl ca` (OpenSSL 3.0's x509 has no -not_before).
    mkdir -p db && : > db/index && echo 01 > db/serial
    cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = db/index
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
CNF
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$name.csr" -extfile "$name.ext" \
      -notext "$@" -out "$name.pem" 2>/dev/null
  fi
}
leaf server "DNS:localhost,IP:127.0.0.1,IP:::1"
leaf wrongname "DNS:other.test"
leaf expired "DNS:localhost,IP:127.0.0.1" -startdate 20200101000000Z -enddate 20200131000000Z
