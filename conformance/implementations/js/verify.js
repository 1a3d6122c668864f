'use strict';
/**
 * The verifier of SPEC.md §12.9: load the caller's trusted keys, then read the file with phases 1 to 4,
 * the signature phase 4s and phase 5.
 */

const fs = require('fs');
const { UsageError } = require('./errors');
const { loadTrustedKey } = require('./signatures');
const { readFile } = require('./reader');

/**
 * Load trusted keys from PEM SubjectPublicKeyInfo files.
 * @param {string[]} paths
 * @returns {import('./signatures').TrustedKey[]}
 * @throws {UsageError}
 */
function loadKeys(paths) {
  if (paths.length === 0) throw new UsageError('no trusted key given');
  return paths.map((p) => {
    let pem;
    try {
      pem = fs.readFileSync(p);
    } catch (e) {
      throw new UsageError(`cannot read key file ${p}: ${e.message}`);
    }
    return loadTrustedKey(pem, p);
  });
}

/**
 * Verify a file against trusted key files.
 * @param {string} path
 * @param {string[]} keyPaths
 * @returns {{keyId: string, algorithm: string, attributes: Map<string, string>}}
 */
function verifyFile(path, keyPaths) {
  const trusted = loadKeys(keyPaths);
  return readFile(path, { trusted }).signature;
}

module.exports = { verifyFile, loadKeys };
