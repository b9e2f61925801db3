/**
 * The docblock pragmas the test sequencer and environment read. Plain JavaScript, because jest loads
 * the sequencer without transforming it. A file without any of them is a service file: it starts the
 * service (workers on the shared task queue, the service's consumer groups), so it runs alone among
 * service files.
 *
 * - `@isolated`: the file starts its own Temporal test server or touches no service at all; it runs
 *   beside anything.
 * - `@beside-services`: the file uses the stores itself (PostgreSQL, Redis, Kafka topics of its own, a task
 *   queue of its own) but starts no service process and joins no service consumer group; it runs beside a
 *   service file, though not beside one that `@disrupts`.
 * - `@disrupts`: a service file that stops, flushes or revokes what every file uses (Kafka, Redis,
 *   PostgreSQL writes) or repairs every account (reconcile); it runs alone.
 * - `@runs-first`: a stack file that spends most of its run waiting (the Kafka outage), so it takes the
 *   stack first and the isolated files run on the other worker meanwhile.
 */
const has = (pragmas, name) => Object.prototype.hasOwnProperty.call(pragmas, name);

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
const isIsolated = (pragmas) => has(pragmas, 'isolated');

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
const runsBesideServices = (pragmas) => has(pragmas, 'beside-services');

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
const disrupts = (pragmas) => has(pragmas, 'disrupts');

/** @param {Record<string, string | string[]>} pragmas a test file's docblock pragmas */
const runsFirst = (pragmas) => has(pragmas, 'runs-first');

module.exports = { isIsolated, runsBesideServices, disrupts, runsFirst };
