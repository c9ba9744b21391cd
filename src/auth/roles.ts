/**
 * Roles and permissions. The ladder viewer < trader < risk < admin, and auditor beside it
 * (everything a viewer sees, plus the compliance routes). Every route names one permission;
 * a permission lists the roles that hold it.
 */

/** Every role. */
export const ROLES = ['viewer', 'trader', 'risk', 'admin', 'auditor'] as const;

/** A role. */
export type Role = (typeof ROLES)[number];

/** Whether `value` names a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

const ALL: readonly Role[] = ROLES;
const TRADER_UP: readonly Role[] = ['trader', 'risk', 'admin'];
const RISK_UP: readonly Role[] = ['risk', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

/**
 * Every permission and the roles holding it. `public` needs no credentials; `self` any signed-in
 * caller acting on their own account; the rest by role.
 */
export const PERMISSIONS = {
  public: [] as readonly Role[],
  self: ALL,
  read: ALL,
  'kill-switch.engage': TRADER_UP,
  'kill-switch.release': RISK_UP,
  'limits.write': RISK_UP,
  'breaker.rearm': RISK_UP,
  'mode.switch': ADMIN,
  'contract.control': ADMIN,
  'users.manage': ADMIN,
  'api-keys.manage': ADMIN,
  'auth.keys.rotate': ADMIN,
  'compliance.read': ['auditor', 'admin'] as readonly Role[],
  'gdpr.manage': ADMIN,
  'ops.backup': ADMIN,
  'metrics.read': ALL,
} as const satisfies Record<string, readonly Role[]>;

/** A permission a route declares. */
export type Permission = keyof typeof PERMISSIONS;

/** Whether `value` names a permission. */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

/** Whether `role` holds `permission` (`public` is held by everyone, signed in or not). */
export function allows(role: Role, permission: Permission): boolean {
  return permission === 'public' || (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
