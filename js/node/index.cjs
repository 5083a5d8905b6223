// `require('kvsocket')` (package.json's `require` condition). Where Node can require an ES module
// (20.19+, 22.12+), this is the very module `import` loads, so a program that does both gets one
// Socket class. Older Node 20 gets pkg/kvsocket.bundle.cjs, the same entry bundled as CommonJS by
// scripts/build.sh: it works alike, but is a second copy of the module.
'use strict';

module.exports = process.features.require_module
  ? require('./index.js')
  : require('../../pkg/kvsocket.bundle.cjs');
