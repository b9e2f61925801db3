import { useState } from 'react';

import { type Rule } from './api';
import { diffVersions } from './version-diff';

const MARKER = { added: '+', removed: '−', same: ' ' } as const;
const SPOKEN = { added: 'added', removed: 'removed', same: '' } as const;

/** Two chosen versions side by side as a line diff; added and removed lines carry + and −, not colour alone. */
export function VersionDiff({ versions }: { versions: Rule[] }) {
  const [fromVersion, setFromVersion] = useState(versions.at(-2)?.version ?? versions[0]?.version ?? 1);
  const [toVersion, setToVersion] = useState(versions.at(-1)?.version ?? 1);
  const from = versions.find((version) => version.version === fromVersion);
  const to = versions.find((version) => version.version === toVersion);

  const options = versions.map((version) => (
    <option key={version.version} value={version.version}>
      {version.version} — {version.updatedBy}, {version.updatedAt}
    </option>
  ));

  return (
    <div className="stack">
      <div className="row">
        <label>
          From version
          <select value={fromVersion} onChange={(e) => setFromVersion(Number(e.target.value))}>
            {options}
          </select>
        </label>
        <label>
          To version
          <select value={toVersion} onChange={(e) => setToVersion(Number(e.target.value))}>
            {options}
          </select>
        </label>
      </div>
      {from && to && (
        <pre className="diff" aria-label={`Changes from version ${from.version} to version ${to.version}`}>
          {diffVersions(from, to).map((line, index) => (
            <span key={index} className={`diff-${line.kind}`} data-kind={line.kind}>
              <span aria-hidden="true">{MARKER[line.kind]} </span>
              {SPOKEN[line.kind] && <span className="visually-hidden">{SPOKEN[line.kind]}: </span>}
              {line.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </div>
  );
}
