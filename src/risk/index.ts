import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

import type { Config } from '../config';
import { robustZScoreModel } from './anomaly';
import { RiskEngine } from './engine';
import { type IpLocator, MmdbIpLocator } from './ip-location';
import { RedisRiskState } from './redis-risk-state';
import { RiskLog } from './risk-log';
import { RuleStore } from './rule-store';

export interface RiskServices {
  rules: RuleStore;
  log: RiskLog;
  state: RedisRiskState;
  engine: RiskEngine;
}

/**
 * The rule store, the provenance log and the engine, sharing one Redis state; built once per process.
 *
 * @param ipLocator - where the engine looks up an IP's location; by default the bundled DB-IP Lite database,
 *   which is opened at the first lookup, so processes that evaluate nothing never load it.
 */
export function createRiskServices(
  postgres: Pool,
  redis: Redis,
  settings: Config['risk'],
  ipLocator: IpLocator = new MmdbIpLocator(),
): RiskServices {
  const state = new RedisRiskState(redis);
  const rules = new RuleStore(postgres, state);
  return {
    rules,
    log: new RiskLog(postgres),
    state,
    engine: new RiskEngine(state, rules, robustZScoreModel, settings, ipLocator),
  };
}
