'use strict';
/**
 * Errors of the modelfmt reader.
 *
 * Every rejection of a file is a {@link ModelfmtError} carrying exactly one code of SPEC.md §16.
 * A {@link UsageError} is a mistake of the caller (no trusted key, unreadable key file, ...),
 * never a verdict on the file.
 */

/** A rejection of the file with an error code of SPEC.md §16. */
class ModelfmtError extends Error {
  /**
   * @param {string} code error code, exactly as spelled in SPEC.md §16
   * @param {string} message human readable detail
   */
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = 'ModelfmtError';
  }
}

/** A mistake of the caller (not of the file). */
class UsageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Throw a {@link ModelfmtError}.
 * @param {string} code
 * @param {string} message
 * @returns {never}
 */
function fail(code, message) {
  throw new ModelfmtError(code, message);
}

module.exports = { ModelfmtError, UsageError, fail };
