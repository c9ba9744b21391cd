import { allows, type Permission, type Role } from '../../../src/auth/roles.ts';

/**
 * The dashboard shows a control only to a role the API would let use it: the same table the
 * server enforces (src/auth/roles.ts), imported, not copied. Hiding is a courtesy; the API
 * still refuses (403) whatever a role may not do.
 */
export { type Permission, type Role };

/** Whether `role` may use what needs `permission`. */
export function can(role: Role | undefined, permission: Permission): boolean {
  return role !== undefined && allows(role, permission);
}
