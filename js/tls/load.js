// The TLS module (pkg/kvsocket_tls*: rustls + ring, tls/), loaded on the first TLS socket and
// only then, so that a page or process without TLS neither downloads nor compiles it
// (docs/design.md, TLS). One instance serves every TLS socket of the page or process.
// Dynamic imports: bundlers split them into chunks of their own, and Node reads them on demand.

let loading = null;

/** The module's exports ({ TlsClient }), instantiated once; later calls share the promise. */
export function loadTls() {
  loading ??= Promise.all([
    import('../../pkg/kvsocket_tls.js'),
    import('../../pkg/kvsocket_tls_wasm.js'),
  ]).then(([glue, { wasmBytes }]) => {
    glue.initSync({ module: wasmBytes() });
    return glue;
  });
  loading.catch(() => { loading = null; }); // a failed load (a chunk not served) may be retried
  return loading;
}
