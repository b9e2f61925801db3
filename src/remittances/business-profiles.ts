import type { Pool } from 'pg';

import type { BankAccount } from '../domain/remittance';

/** A business that may send or receive remittances: one bank account, owned by one customer. */
export interface BusinessProfile extends BankAccount {
  businessId: string;
  ownerId: string;
  name: string;
}

const COLUMNS = `business_id AS "businessId", owner_id AS "ownerId", name, bank, account`;

/** The business profiles in PostgreSQL. */
export class BusinessProfiles {
  constructor(private readonly pool: Pool) {}

  /** Registers a profile; answers false when its id or its bank account is registered already. */
  async register(profile: BusinessProfile & { createdBy: string }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO business_profiles (business_id, owner_id, name, bank, account, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [profile.businessId, profile.ownerId, profile.name, profile.bank, profile.account, profile.createdBy],
    );
    return rowCount === 1;
  }

  async get(businessId: string): Promise<BusinessProfile | undefined> {
    const { rows } = await this.pool.query<BusinessProfile>(
      `SELECT ${COLUMNS} FROM business_profiles WHERE business_id = $1`,
      [businessId],
    );
    return rows[0];
  }

  /** The profiles of both bank accounts of a remittance, by `bank/account`. */
  async byAccounts(accounts: BankAccount[]): Promise<Map<string, BusinessProfile>> {
    const { rows } = await this.pool.query<BusinessProfile>(
      `SELECT ${COLUMNS} FROM business_profiles WHERE (bank, account) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [accounts.map((one) => one.bank), accounts.map((one) => one.account)],
    );
    return new Map(rows.map((row) => [bankAccountKey(row), row]));
  }
}

/** `bank/account`: how a bank account is named in search attributes and lookups. */
export const bankAccountKey = (account: BankAccount): string => `${account.bank}/${account.account}`;
