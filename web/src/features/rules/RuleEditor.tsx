import { useState, type FormEvent } from 'react';

import { ruleView } from '@api/views';

import { RefusalRegion } from '../../components/ErrorAlert';
import { ApiError } from '../../lib/api-client';
import { can } from '../../lib/permissions';
import { useApi, useSession } from '../../lib/session';
import { useAction } from '../../lib/use-action';

import { createRule, dryRunRule, updateRule, type DryRun, type NewRule, type Rule } from './api';
import { ConditionEditor } from './ConditionEditor';
import { EXAMPLE_CONDITION, isConditionField, parseConditionText } from './condition-text';
import { DryRunResult } from './DryRunResult';

const RULE_ACTIONS = ruleView.shape.action.options;
type RuleAction = (typeof RULE_ACTIONS)[number];

export interface RuleEditorProps {
  /** The rule to change, or null for a new one. */
  rule: Rule | null;
  onSaved: (rule: Rule) => void;
  onCancel: () => void;
}

/** Edits a draft, tries it on recent transfers, then saves it (POST for a new rule, PUT for a change). */
export function RuleEditor({ rule, onSaved, onCancel }: RuleEditorProps) {
  const api = useApi();
  const { session } = useSession();
  const mayWrite = can(session?.role, 'write rules');
  const mayTest = can(session?.role, 'test rules');

  const [ruleId, setRuleId] = useState(rule?.ruleId ?? '');
  const [name, setName] = useState(rule?.name ?? '');
  const [description, setDescription] = useState(rule?.description ?? '');
  const [score, setScore] = useState(String(rule?.score ?? 10));
  const [action, setAction] = useState<RuleAction>(rule?.action ?? 'SCORE');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [shadow, setShadow] = useState(rule?.shadow ?? true);
  const [conditionText, setConditionText] = useState(
    rule ? JSON.stringify(rule.condition, null, 2) : EXAMPLE_CONDITION,
  );
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const submission = useAction();
  const { refusal, busy } = submission;

  /** The draft as the API takes it, or null when the condition is not JSON (the editor says why). */
  function draft(): NewRule | null {
    const parsed = parseConditionText(conditionText);
    if (!parsed.ok) return null;
    return {
      ...(rule ? { ruleId: rule.ruleId } : ruleId.trim() ? { ruleId: ruleId.trim() } : {}),
      name,
      description: description.trim() ? description : null,
      condition: parsed.condition,
      score: Number(score),
      action,
      enabled,
      shadow,
    };
  }

  async function run(work: (body: NewRule) => Promise<void>) {
    const body = draft();
    if (body) await submission.run(() => work(body));
  }

  const test = () =>
    run(async (body) => {
      setDryRun(null);
      setDryRun(await dryRunRule(api, body));
    });

  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(async ({ ruleId: _ruleId, ...definition }) => {
      const saved = rule
        ? await updateRule(api, rule.ruleId, rule.version, definition)
        : await createRule(api, { ...(ruleId.trim() ? { ruleId: ruleId.trim() } : {}), ...definition });
      onSaved(saved);
    });
  };

  // A refusal at a condition path is shown beside the editor; any other one here.
  const generalRefusal = refusal instanceof ApiError && isConditionField(refusal.field) ? null : refusal;

  return (
    <form onSubmit={save} className="panel stack" aria-labelledby="editor-heading">
      <h2 id="editor-heading">{rule ? `Edit ${rule.ruleId} (version ${rule.version})` : 'New rule'}</h2>
      {!rule && (
        <label>
          Rule id (optional)
          <input value={ruleId} onChange={(e) => setRuleId(e.target.value)} className="mono" />
        </label>
      )}
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label>
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <div className="row">
        <label>
          Score
          <input type="number" min={0} max={10000} value={score} onChange={(e) => setScore(e.target.value)} />
        </label>
        <label>
          Action
          <select value={action} onChange={(e) => setAction(e.target.value as RuleAction)}>
            {RULE_ACTIONS.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={shadow} onChange={(e) => setShadow(e.target.checked)} />
          Shadow (evaluated and logged, never part of a decision)
        </label>
      </div>
      <ConditionEditor text={conditionText} onChange={setConditionText} serverError={refusal} readOnly={!mayWrite} />
      <RefusalRegion refusal={generalRefusal} />
      <div className="actions">
        {mayTest && (
          <button type="button" onClick={() => void test()} disabled={busy}>
            Test on recent transfers
          </button>
        )}
        {mayWrite && (
          <button type="submit" disabled={busy}>
            Save rule
          </button>
        )}
        <button type="button" className="secondary" onClick={onCancel}>
          Close
        </button>
      </div>
      {dryRun && <DryRunResult result={dryRun} />}
    </form>
  );
}
