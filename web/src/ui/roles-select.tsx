import { useId } from 'react';
import type { Role } from '../api/roles.ts';

/** Every role, in the ladder's order, then the auditor beside it. */
export const ROLE_OPTIONS: readonly Role[] = ['viewer', 'trader', 'risk', 'admin', 'auditor'];

/**
 * A labelled role picker. The label points at the select by id rather than wrapping it, so its
 * accessible name is the label alone, not the label followed by every option.
 */
export function RoleSelect({ name, label, value, onChange }: { name: string; label: string; value?: Role; onChange?: (role: Role) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} {...(value === undefined ? { defaultValue: 'viewer' } : { value })} {...(onChange === undefined ? {} : { onChange: (e) => onChange(e.target.value as Role) })}>
        {ROLE_OPTIONS.map((role) => (
          <option key={role} value={role}>
            {role}
          </option>
        ))}
      </select>
    </div>
  );
}
