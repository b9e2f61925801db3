const { readFileSync } = require('node:fs');

const Sequencer = require('@jest/test-sequencer').default;
const { extract, parse } = require('jest-docblock');

const { isIsolated, runsFirst } = require('./isolation');

/**
 * Jest's order (failed first, then slowest first), except at the start: the `@runs-first` stack files,
 * then the `@isolated` files, so that the second worker gets through the isolated ones while the first
 * file holds the stack and mostly waits (see stack-environment.ts). Without such a file, the first stack
 * file in jest's order leads.
 */
class StackSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const pragmas = new Map(ordered.map((test) => [test, parse(extract(readFileSync(test.path, 'utf8')))]));
    const isolated = ordered.filter((test) => isIsolated(pragmas.get(test)));
    const onStack = ordered.filter((test) => !isIsolated(pragmas.get(test)));
    const leading = onStack.filter((test) => runsFirst(pragmas.get(test)));
    const first = leading.length > 0 ? leading : onStack.slice(0, 1);
    return [...first, ...isolated, ...onStack.filter((test) => !first.includes(test))];
  }
}

module.exports = StackSequencer;
