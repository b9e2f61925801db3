/**
 * The docblock pragma that lets a test file run beside the one holding the local stack: it starts its
 * own Temporal test server or touches no service at all. Plain JavaScript, because jest loads the test
 * sequencer without transforming it.
 */
const ISOLATED_PRAGMA = 'isolated';

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
function isIsolated(pragmas) {
  return Object.prototype.hasOwnProperty.call(pragmas, ISOLATED_PRAGMA);
}

module.exports = { ISOLATED_PRAGMA, isIsolated };
