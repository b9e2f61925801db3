import { useState } from 'react';

import { ErrorAlert, RefusalRegion } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { can } from '../../lib/permissions';
import { useApi, useSession } from '../../lib/session';
import { useResource } from '../../lib/use-resource';
import { useAction } from '../../lib/use-action';

import { definitionOf, listRules, updateRule, type Rule } from './api';
import { RuleEditor } from './RuleEditor';
import { RuleHistory } from './RuleHistory';

/** What the page shows beside the list. */
type Panel = { kind: 'none' } | { kind: 'edit'; rule: Rule | null } | { kind: 'history'; ruleId: string };

export function RulesPage() {
  const api = useApi();
  const { session } = useSession();
  const mayWrite = can(session?.role, 'write rules');
  const mayTest = can(session?.role, 'test rules');
  const rules = useResource(() => listRules(api), [api]);
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const { refusal, run } = useAction(rules.reload);

  /** A toggle is a PUT of the whole definition against the version shown, so a concurrent edit answers 409. */
  const toggle = (rule: Rule, change: Partial<Pick<Rule, 'enabled' | 'shadow'>>) =>
    run(() => updateRule(api, rule.ruleId, rule.version, { ...definitionOf(rule), ...change }));

  return (
    <main>
      <h1>Rules</h1>
      <RefusalRegion refusal={refusal} />
      <ErrorAlert error={rules.error} />
      {(mayWrite || mayTest) && (
        <p>
          <button type="button" onClick={() => setPanel({ kind: 'edit', rule: null })}>
            New rule
          </button>
        </p>
      )}
      {rules.loading && !rules.data && <Loading />}
      {rules.data && (
        <table aria-label="Rules">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Name</th>
              <th scope="col">Enabled</th>
              <th scope="col">Shadow</th>
              <th scope="col">Action</th>
              <th scope="col" className="number">
                Score
              </th>
              <th scope="col" className="number">
                Version
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.data.items.map((rule) => (
              <tr key={rule.ruleId}>
                <th scope="row" className="mono">
                  {rule.ruleId}
                </th>
                <td>{rule.name}</td>
                <td>{rule.enabled ? 'yes' : 'no'}</td>
                <td>{rule.shadow ? 'shadow' : 'live'}</td>
                <td>{rule.action}</td>
                <td className="number">{rule.score}</td>
                <td className="number">{rule.version}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setPanel({ kind: 'edit', rule })}
                    aria-label={`${mayWrite ? 'Edit' : 'View'} ${rule.ruleId}`}
                  >
                    {mayWrite ? 'Edit' : 'View'}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => setPanel({ kind: 'history', ruleId: rule.ruleId })}
                    aria-label={`History of ${rule.ruleId}`}
                  >
                    History
                  </button>
                  {mayWrite && (
                    <>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void toggle(rule, { enabled: !rule.enabled })}
                        aria-label={`${rule.enabled ? 'Disable' : 'Enable'} ${rule.ruleId}`}
                      >
                        {rule.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void toggle(rule, { shadow: !rule.shadow })}
                        aria-label={`${rule.shadow ? 'Make live' : 'Make shadow'} ${rule.ruleId}`}
                      >
                        {rule.shadow ? 'Make live' : 'Make shadow'}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {panel.kind === 'edit' && (
        <RuleEditor
          key={panel.rule ? `${panel.rule.ruleId}@${panel.rule.version}` : 'new'}
          rule={panel.rule}
          onSaved={(saved) => {
            setPanel({ kind: 'edit', rule: saved });
            rules.reload();
          }}
          onCancel={() => setPanel({ kind: 'none' })}
        />
      )}
      {panel.kind === 'history' && <RuleHistory ruleId={panel.ruleId} onClose={() => setPanel({ kind: 'none' })} />}
    </main>
  );
}
