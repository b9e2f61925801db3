import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { type Rule } from './api';
import { diffVersions } from './version-diff';
import { VersionDiff } from './VersionDiff';

const version = (n: number, change: Partial<Rule>): Rule => ({
  ruleId: 'night-owl',
  version: n,
  name: 'Night owl',
  description: null,
  condition: { timeOfDay: { from: '22:00', to: '06:00' } },
  score: 20,
  action: 'SCORE',
  enabled: true,
  shadow: false,
  updatedBy: 'alice',
  updatedAt: `2025-01-0${n}T00:00:00.000Z`,
  ...change,
});

const versions = [version(1, {}), version(2, { score: 35 }), version(3, { score: 35, action: 'REVIEW' })];

describe('the version diff', () => {
  it('names the lines added and removed between two versions', () => {
    const lines = diffVersions(versions[0]!, versions[1]!);
    expect(lines.filter((line) => line.kind === 'removed').map((line) => line.text.trim())).toEqual(['"score": 20,']);
    expect(lines.filter((line) => line.kind === 'added').map((line) => line.text.trim())).toEqual(['"score": 35,']);
  });

  it('marks added and removed lines with + and − between the versions chosen', async () => {
    render(<VersionDiff versions={versions} />);
    // By default the last two versions: only the action changed.
    const diff = screen.getByLabelText('Changes from version 2 to version 3');
    expect(diff.textContent).toContain('− removed:   "action": "SCORE",');
    expect(diff.textContent).toContain('+ added:   "action": "REVIEW",');

    await userEvent.selectOptions(screen.getByLabelText('From version'), '1');
    const wider = screen.getByLabelText('Changes from version 1 to version 3');
    expect(wider.textContent).toContain('− removed:   "score": 20,');
    expect(wider.textContent).toContain('+ added:   "score": 35,');
  });
});
