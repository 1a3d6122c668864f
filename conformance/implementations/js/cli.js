#!/usr/bin/env node
'use strict';
/**
 * Command line of the conformance process protocol (conformance/PROTOCOL.md):
 *
 *   node cli.js read FILE
 *   node cli.js read --batch LIST        (optional batch mode: one JSON line per path in LIST)
 *   node cli.js verify FILE KEY [KEY ...]
 *
 * Exit 0 with the result document on standard output; exit 1 with `CODE: message` as the first line of
 * standard error when the file is rejected; exit 2 for a usage error or an internal failure.
 */

const fs = require('fs');
const { ModelfmtError, UsageError } = require('./errors');
const { readFile } = require('./reader');
const { verifyFile } = require('./verify');
const { serializeChunks, canonicalString } = require('./canonical');

/**
 * The reader's result document (one line, no newline), as chunks of text.
 * @param {ReturnType<typeof readFile>} r
 * @returns {string[]}
 */
function readerDocument(r) {
  const tensors = r.tensors.map((t) => {
    let s = `{"name":${canonicalString(t.name)},"dtype":${canonicalString(t.dtype)},"shape":[${t.shape.join(',')}],`
      + `"length":${t.length},"sha256":"${t.sha256}"`;
    if (t.hex !== null && t.length <= 64n) s += `,"hex":"${t.hex}"`;
    return s + '}';
  });
  return [`{"version":[${r.version[0]},${r.version[1]}],"header":`, ...serializeChunks(r.header),
    `,"tensors":[${tensors.join(',')}]}`];
}

/**
 * Write text chunks to standard output, waiting while the pipe is full.
 * @param {string[]} chunks
 */
function emit(chunks) {
  const buf = Buffer.concat(chunks.map((c) => Buffer.from(c, 'utf8')));
  return new Promise((resolve, reject) => {
    process.stdout.write(buf, (err) => (err ? reject(err) : resolve()));
  });
}

/** A one-line `CODE: message`. */
function errorLine(e) {
  return `${e.code}: ${e.message.replace(/[\r\n]/g, ' ')}`;
}

/**
 * Batch mode: one record per listed path, in order.
 * @param {string} list path of a UTF-8 file of absolute paths, one per line
 */
async function batch(list) {
  let text;
  try {
    text = fs.readFileSync(list, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the list ${list}: ${e.message}`);
  }
  const paths = text.split('\n');
  if (paths.length && paths[paths.length - 1] === '') paths.pop();
  for (const p of paths) {
    let record;
    try {
      const doc = readerDocument(readFile(p));
      record = [`{"path":${JSON.stringify(p)},"status":0,"result":`, ...doc, '}\n'];
    } catch (e) {
      if (!(e instanceof ModelfmtError)) throw e; // anything else fails the batch (exit 2)
      record = [`{"path":${JSON.stringify(p)},"status":1,"error":${JSON.stringify(errorLine(e))}}\n`];
    }
    await emit(record);
  }
}

async function main(argv) {
  const [cmd, file, ...rest] = argv;
  if (cmd === 'read' && file === '--batch' && rest.length === 1) {
    await batch(rest[0]);
    return;
  }
  if (cmd === 'read' && file !== undefined && !file.startsWith('--') && rest.length === 0) {
    await emit([...readerDocument(readFile(file)), '\n']);
    return;
  }
  if (cmd === 'verify' && file !== undefined) {
    const sig = verifyFile(file, rest);
    await emit([`{"key_id":"${sig.keyId}","algorithm":"${sig.algorithm}"}\n`]);
    return;
  }
  throw new UsageError('usage: cli.js read FILE | cli.js read --batch LIST | cli.js verify FILE KEY [KEY ...]');
}

main(process.argv.slice(2)).then(() => {
  process.exitCode = 0;
}, (e) => {
  if (e instanceof ModelfmtError) {
    process.stderr.write(`${errorLine(e)}\n`);
    process.exitCode = 1;
  } else if (e instanceof UsageError) {
    process.stderr.write(`usage error: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`internal error: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 2;
  }
});
