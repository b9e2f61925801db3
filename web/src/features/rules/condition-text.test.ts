import { describe, expect, it } from 'vitest';

import { conditionSchema } from '@api/condition-schema';

import { CONDITION_EXAMPLES, parseConditionText } from './condition-text';

describe("the condition editor's examples", () => {
  it("are each a condition the server's own schema of the language accepts", () => {
    for (const { condition } of CONDITION_EXAMPLES) {
      expect(parseConditionText(JSON.stringify(condition))).toEqual({ ok: true, condition });
      expect(conditionSchema.safeParse(condition).success, JSON.stringify(condition)).toBe(true);
    }
  });

  it('show every leaf operator once, the travel, device and country ones included', () => {
    const operators = CONDITION_EXAMPLES.map(({ condition }) => Object.keys(condition)[0]);
    expect(new Set(operators).size).toBe(operators.length);
    expect(operators).toEqual(expect.arrayContaining(['travel', 'newDevice', 'country']));
  });

  it('would not pass off a mistyped new condition as one: the schema refuses it', () => {
    expect(conditionSchema.safeParse({ travel: { maxSpeedKmh: 0 } }).success).toBe(false);
    expect(conditionSchema.safeParse({ country: { in: ['KR'], notIn: ['PT'] } }).success).toBe(false);
    expect(conditionSchema.safeParse({ newDevice: { days: 401 } }).success).toBe(false);
  });
});
