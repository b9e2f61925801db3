/** Who may call the API (DESIGN.md §4); USER is a customer, every other role is staff. */
export const ROLES = [
  'USER',
  'SUPER_ADMIN',
  'RULE_ADMIN',
  'AUDITOR',
  'OPS_AGENT',
  'RISK_ANALYST',
  'READ_ONLY',
] as const;
export type Role = (typeof ROLES)[number];

/** The roles a console account can hold. */
export const STAFF_ROLES = ROLES.filter((role): role is Exclude<Role, 'USER'> => role !== 'USER') as [
  Exclude<Role, 'USER'>,
  ...Exclude<Role, 'USER'>[],
];
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  /** When the token that named it expires (epoch ms): a live stream ends then. */
  expiresAt?: number;
}

export const isStaff = (principal: Principal): boolean => principal.role !== 'USER';
