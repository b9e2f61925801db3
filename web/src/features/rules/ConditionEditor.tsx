import { useId } from 'react';

import { DbIpCredit } from '../../components/DbIpCredit';
import { ApiError } from '../../lib/api-client';

import { CONDITION_EXAMPLES, EXAMPLE_CONDITION, isConditionField, parseConditionText } from './condition-text';

export interface ConditionEditorProps {
  text: string;
  onChange: (text: string) => void;
  /** The last refusal; shown here when it names a path inside the condition. */
  serverError: unknown;
  readOnly?: boolean;
}

/** The JSON condition: a local syntax check as one types, and the server's verdict at its path. */
export function ConditionEditor({ text, onChange, serverError, readOnly = false }: ConditionEditorProps) {
  const id = useId();
  const parsed = parseConditionText(text);
  const localError = text.trim() && !parsed.ok ? parsed.message : null;
  const atPath = serverError instanceof ApiError && isConditionField(serverError.field) ? serverError : null;

  return (
    <div className="condition-editor">
      <label htmlFor={`${id}-condition`}>Condition (JSON)</label>
      <textarea
        id={`${id}-condition`}
        className="mono"
        value={text}
        onChange={(event) => onChange(event.target.value)}
        rows={12}
        spellCheck={false}
        placeholder={EXAMPLE_CONDITION}
        readOnly={readOnly}
        aria-invalid={Boolean(localError || atPath)}
        aria-describedby={`${id}-help`}
      />
      <p id={`${id}-help`} className="muted">
        One operator per object: all, any, not,{' '}
        {CONDITION_EXAMPLES.map(({ condition }) => Object.keys(condition)[0]).join(', ')}. Amounts are in minor units.
      </p>
      <details className="muted">
        <summary>Operators by example</summary>
        <dl>
          {CONDITION_EXAMPLES.map(({ condition, meaning }) => (
            <div key={Object.keys(condition)[0]}>
              <dt>
                <code>{JSON.stringify(condition)}</code>
              </dt>
              <dd>{meaning}</dd>
            </div>
          ))}
        </dl>
        <DbIpCredit />
      </details>
      {localError && (
        <p role="alert" className="field-error">
          {localError}
        </p>
      )}
      {atPath && (
        <p role="alert" className="field-error">
          <code>{atPath.field}</code>: {atPath.detail ?? atPath.title}
        </p>
      )}
    </div>
  );
}
