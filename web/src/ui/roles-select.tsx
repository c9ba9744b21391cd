import type { Role } from '../api/roles.ts';

/** Every role, in the ladder's order, then the auditor beside it. */
export const ROLE_OPTIONS: readonly Role[] = ['viewer', 'trader', 'risk', 'admin', 'auditor'];

/** A labelled role picker. */
export function RoleSelect({ name, label, value, onChange }: { name: string; label: string; value?: Role; onChange?: (role: Role) => void }) {
  return (
    <label>
      {label}
      <select name={name} {...(value === undefined ? { defaultValue: 'viewer' } : { value })} {...(onChange === undefined ? {} : { onChange: (e) => onChange(e.target.value as Role) })}>
        {ROLE_OPTIONS.map((role) => (
          <option key={role} value={role}>
            {role}
          </option>
        ))}
      </select>
    </label>
  );
}
