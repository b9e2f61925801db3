const { readFileSync } = require('node:fs');

const Sequencer = require('@jest/test-sequencer').default;
const { extract, parse } = require('jest-docblock');

const { isIsolated } = require('./isolation');

/**
 * Jest's order (failed first, then slowest first), except that the `@isolated` files come right after
 * the first file that holds the local stack: while that one runs, the second worker gets through them
 * instead of waiting for the lock (see stack-environment.ts).
 */
class StackSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const isolated = ordered.filter((test) => isIsolated(parse(extract(readFileSync(test.path, 'utf8')))));
    const onStack = ordered.filter((test) => !isolated.includes(test));
    return [...onStack.slice(0, 1), ...isolated, ...onStack.slice(1)];
  }
}

module.exports = StackSequencer;
