'use strict';
/**
 * Positional, bounded reads of a file (SPEC.md §13.3): the size is taken once, every read is checked
 * against it, and no buffer is larger than the bytes actually requested inside the file.
 */

const fs = require('fs');

class FileSource {
  /** @param {string} path */
  constructor(path) {
    this.fd = fs.openSync(path, 'r');
    const st = fs.fstatSync(this.fd, { bigint: true });
    if (!st.isFile()) {
      fs.closeSync(this.fd);
      throw new Error(`${path} is not a regular file`);
    }
    /** @type {bigint} the file length F */
    this.size = st.size;
  }

  /**
   * Read exactly `length` bytes at `position`; the range must lie inside [0, F).
   * @param {bigint|number} position
   * @param {number} length
   * @returns {Buffer}
   */
  read(position, length) {
    const pos = BigInt(position);
    if (length < 0 || pos < 0n || pos + BigInt(length) > this.size) {
      throw new Error(`internal: read of [${pos}, ${pos + BigInt(length)}) outside the file`);
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, Number(pos) + done);
      if (n === 0) throw new Error('the file became shorter while it was read');
      done += n;
    }
    return buf;
  }

  close() {
    fs.closeSync(this.fd);
  }
}

module.exports = { FileSource };
