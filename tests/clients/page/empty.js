// What a page's bundle gets for the Node modules pg requires but does not use there (fs, path,
// dns, tls, crypto: pg falls back to the page's WebCrypto). docs/net.md.
export default {};
