const { readFileSync } = require('node:fs');

const Sequencer = require('@jest/test-sequencer').default;
const { extract, parse } = require('jest-docblock');

const { disrupts, isIsolated, runsBesideServices, runsFirst } = require('./isolation');

/**
 * Jest's order (failed first, then slowest first) within each kind of file (./isolation.js), the kinds
 * arranged for two workers: the `@runs-first` files, then the isolated ones, which the second worker gets
 * through while the first file holds the stack and mostly waits; then service files alternating with the
 * files that run beside them, so that whichever worker is free takes the other kind; the files that
 * disrupt the stack come last, each alone. Without a `@runs-first` file, the first stack file leads.
 */
class StackSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const pragmas = new Map(ordered.map((test) => [test, parse(extract(readFileSync(test.path, 'utf8')))]));
    const of = (kind) => ordered.filter((test) => kind(pragmas.get(test)));
    const isolated = of(isIsolated);
    const onStack = ordered.filter((test) => !isolated.includes(test));
    const leading = onStack.filter((test) => runsFirst(pragmas.get(test)));
    const first = leading.length > 0 ? leading : onStack.slice(0, 1);
    const rest = onStack.filter((test) => !first.includes(test));
    const beside = rest.filter((test) => runsBesideServices(pragmas.get(test)));
    const disrupting = rest.filter((test) => disrupts(pragmas.get(test)));
    const services = rest.filter((test) => !beside.includes(test) && !disrupting.includes(test));
    const alternating = Array.from({ length: Math.max(services.length, beside.length) }, (_, index) =>
      [services[index], beside[index]].filter((test) => test !== undefined),
    ).flat();
    return [...first, ...isolated, ...alternating, ...disrupting];
  }
}

module.exports = StackSequencer;
