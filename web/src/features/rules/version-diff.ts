import { diffLines } from 'diff';

import { type Rule } from './api';

export interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

/** What an operator compares between versions: the definition, not who saved it or when. */
function comparable(version: Rule & { deleted?: boolean }) {
  const { name, description, condition, score, action, enabled, shadow, deleted } = version;
  return { name, description, score, action, enabled, shadow, deleted: deleted ?? false, condition };
}

/** The line diff (jsdiff) between two versions' pretty-printed JSON. */
export function diffVersions(from: Rule, to: Rule): DiffLine[] {
  const before = JSON.stringify(comparable(from), null, 2) + '\n';
  const after = JSON.stringify(comparable(to), null, 2) + '\n';
  return diffLines(before, after).flatMap((change) =>
    change.value
      .replace(/\n$/, '')
      .split('\n')
      .map((text): DiffLine => ({ kind: change.added ? 'added' : change.removed ? 'removed' : 'same', text })),
  );
}
