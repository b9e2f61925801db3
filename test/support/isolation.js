/**
 * The docblock pragmas the test sequencer and environment read. Plain JavaScript, because jest loads
 * the sequencer without transforming it.
 *
 * - `@isolated`: the file runs beside the one holding the local stack: it starts its own Temporal test
 *   server or touches no service at all.
 * - `@runs-first`: a stack file that spends most of its run waiting (the Kafka outage), so it takes the
 *   stack first and the isolated files run on the other worker meanwhile.
 */
const has = (pragmas, name) => Object.prototype.hasOwnProperty.call(pragmas, name);

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
const isIsolated = (pragmas) => has(pragmas, 'isolated');

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
const runsFirst = (pragmas) => has(pragmas, 'runs-first');

module.exports = { isIsolated, runsFirst };
