import type { Pool, PoolClient } from 'pg';

import { inTransaction } from '../db/transaction';
import { velocityWindows } from './condition-evaluator';
import { parseCondition } from './conditions';
import type { RedisRiskState } from './redis-risk-state';
import type { Rule, RuleDefinition, RuleSetSnapshot, RuleVersion } from './rules';

/** Why a rule write was refused; the API maps each to a status. */
export class RuleWriteRefused extends Error {
  constructor(
    readonly reason: 'not-found' | 'exists' | 'version-mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'RuleWriteRefused';
  }
}

const RULE_COLUMNS = `rule_id AS "ruleId", version, name, description, condition_json AS condition, score, action,
  enabled, shadow`;

/**
 * Rules in PostgreSQL (`rules` current, `rule_history` every version) and their publication to Redis.
 *
 * Every write runs in one transaction that first bumps the single `rule_set` row: that row lock
 * serialises concurrent edits (so no version is lost from the history) and gives the whole rule set a
 * new version. After the commit the complete set is published to Redis under that version, where
 * workers pick it up on their next evaluation.
 */
export class RuleStore {
  constructor(
    private readonly pool: Pool,
    private readonly cache: RedisRiskState,
  ) {}

  async list(): Promise<Rule[]> {
    const { rows } = await this.pool.query<Rule>(
      `SELECT ${RULE_COLUMNS}, updated_by AS "updatedBy", updated_at AS "updatedAt" FROM rules ORDER BY rule_id`,
    );
    return rows.map(normalise);
  }

  async get(ruleId: string): Promise<Rule | undefined> {
    const { rows } = await this.pool.query<Rule>(
      `SELECT ${RULE_COLUMNS}, updated_by AS "updatedBy", updated_at AS "updatedAt" FROM rules WHERE rule_id = $1`,
      [ruleId],
    );
    return rows[0] && normalise(rows[0]);
  }

  /** Every version of a rule, oldest first; empty when the rule never existed. */
  async history(ruleId: string): Promise<RuleVersion[]> {
    const { rows } = await this.pool.query<RuleVersion>(
      `SELECT ${RULE_COLUMNS}, deleted, changed_by AS "updatedBy", changed_at AS "updatedAt"
       FROM rule_history WHERE rule_id = $1 ORDER BY version`,
      [ruleId],
    );
    return rows.map(normalise);
  }

  async create(ruleId: string, definition: RuleDefinition, actor: string): Promise<Rule> {
    return this.write(async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO rules (rule_id, version, name, description, condition_json, score, action, enabled, shadow,
           updated_by)
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (rule_id) DO NOTHING`,
        [ruleId, ...definitionValues(definition), actor],
      );
      // A deleted rule's id stays taken: its history must keep meaning one rule.
      const reused = rowCount === 1 && (await this.lastVersion(client, ruleId)) > 0;
      if (rowCount === 0 || reused) throw new RuleWriteRefused('exists', `rule ${ruleId} exists or existed`);
      return recordVersion(client, ruleId, false, actor);
    });
  }

  /** Replaces a rule's definition as a new version; `expectedVersion`, when given, must be current. */
  async update(ruleId: string, definition: RuleDefinition, actor: string, expectedVersion?: number): Promise<Rule> {
    return this.write(async (client) => {
      await lockCurrent(client, ruleId, expectedVersion);
      await client.query(
        `UPDATE rules SET version = version + 1, name = $2, description = $3, condition_json = $4, score = $5,
           action = $6, enabled = $7, shadow = $8, updated_by = $9, updated_at = now()
         WHERE rule_id = $1`,
        [ruleId, ...definitionValues(definition), actor],
      );
      return recordVersion(client, ruleId, false, actor);
    });
  }

  /** Removes a rule; its history keeps every version and a last one marked deleted. */
  async remove(ruleId: string, actor: string, expectedVersion?: number): Promise<void> {
    await this.write(async (client) => {
      await lockCurrent(client, ruleId, expectedVersion);
      await client.query(
        `UPDATE rules SET version = version + 1, updated_by = $2, updated_at = now() WHERE rule_id = $1`,
        [ruleId, actor],
      );
      await recordVersion(client, ruleId, true, actor);
      await client.query(`DELETE FROM rules WHERE rule_id = $1`, [ruleId]);
    });
  }

  /** The current rule-set version in PostgreSQL. */
  async version(): Promise<number> {
    const { rows } = await this.pool.query<{ version: string }>(`SELECT version FROM rule_set`);
    return Number(rows[0]?.version ?? 0);
  }

  /** The whole current rule set and its version, read in one snapshot. */
  async snapshot(): Promise<RuleSetSnapshot> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows } = await client.query<{ version: string }>(`SELECT version FROM rule_set`);
      const rules = await client.query<Rule>(
        `SELECT ${RULE_COLUMNS}, updated_by AS "updatedBy", updated_at AS "updatedAt" FROM rules ORDER BY rule_id`,
      );
      return { version: Number(rows[0]?.version ?? 0), rules: rules.rows.map(normalise) };
    });
  }

  /**
   * Publishes the current set to Redis unless a newer version is already there; `force` overwrites
   * even a newer one, for when PostgreSQL was restored to an older rule set.
   */
  async publish(force = false): Promise<RuleSetSnapshot> {
    const snapshot = await this.snapshot();
    const windows = new Set<number>();
    for (const rule of snapshot.rules) {
      const parsed = parseCondition(rule.condition);
      if (rule.enabled && parsed.ok) for (const window of velocityWindows(parsed.condition)) windows.add(window);
    }
    await this.cache.publishRules(
      {
        version: snapshot.version,
        rulesJson: JSON.stringify(snapshot.rules),
        windows: [...windows].sort((a, b) => a - b),
      },
      force,
    );
    return snapshot;
  }

  private async write<T>(change: (client: PoolClient) => Promise<T>): Promise<T> {
    const result = await inTransaction(this.pool, async (client) => {
      await client.query(`UPDATE rule_set SET version = version + 1`);
      return change(client);
    });
    await this.publish();
    return result;
  }

  private async lastVersion(client: PoolClient, ruleId: string): Promise<number> {
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM rule_history WHERE rule_id = $1`,
      [ruleId],
    );
    return rows[0]?.version ?? 0;
  }
}

async function lockCurrent(client: PoolClient, ruleId: string, expectedVersion: number | undefined): Promise<void> {
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM rules WHERE rule_id = $1 FOR UPDATE`, [
    ruleId,
  ]);
  const current = rows[0];
  if (!current) throw new RuleWriteRefused('not-found', `rule ${ruleId} does not exist`);
  if (expectedVersion !== undefined && current.version !== expectedVersion) {
    throw new RuleWriteRefused(
      'version-mismatch',
      `rule ${ruleId} is at version ${current.version}, not ${expectedVersion}`,
    );
  }
}

/** Copies the rule's current row into its history as the version it now has. */
async function recordVersion(client: PoolClient, ruleId: string, deleted: boolean, actor: string): Promise<Rule> {
  const { rows } = await client.query<Rule>(
    `INSERT INTO rule_history (rule_id, version, name, description, condition_json, score, action, enabled, shadow,
       deleted, changed_by, changed_at)
     SELECT rule_id, version, name, description, condition_json, score, action, enabled, shadow, $2, $3, updated_at
     FROM rules WHERE rule_id = $1
     RETURNING ${RULE_COLUMNS}, changed_by AS "updatedBy", changed_at AS "updatedAt"`,
    [ruleId, deleted, actor],
  );
  const rule = rows[0];
  if (!rule) throw new Error(`rule ${ruleId} vanished inside its own write`);
  return normalise(rule);
}

function definitionValues(definition: RuleDefinition): unknown[] {
  return [
    definition.name,
    definition.description,
    JSON.stringify(definition.condition),
    definition.score,
    definition.action,
    definition.enabled,
    definition.shadow,
  ];
}

function normalise<T extends Rule>(row: T): T {
  return { ...row, updatedAt: new Date(row.updatedAt).toISOString() };
}
