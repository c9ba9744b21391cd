import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import type { Me } from '../api/me.ts';
import type { Role } from '../api/roles.ts';
import { useQuery } from '../api/use-query.ts';
import { formatTime } from '../format/amount.ts';
import { RoleSelect } from '../ui/roles-select.tsx';
import { SecretOnce } from '../ui/secret-once.tsx';
import { Empty, FormError, Loaded } from '../ui/states.tsx';

interface User { id: string; username: string; role: Role; mfaEnrolled: boolean; mustChangePassword: boolean; disabled: boolean; createdAt: string }

/** Users (admin): add one with a one-time password, change a role, disable. */
export function Users({ me }: { me: Me }) {
  const users = useQuery<{ users: User[] }>('/users');
  const [secret, setSecret] = useState<{ username: string; password: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await work();
      users.reload();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  };

  const add = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const target = event.currentTarget;
    void act(async () => {
      const created = await call<{ user: User; oneTimePassword: string }>('/users', { body: { username: String(form.get('username')), role: String(form.get('role')) } });
      setSecret({ username: created.user.username, password: created.oneTimePassword });
      target.reset();
    });
  };

  return (
    <>
      <h1>Users</h1>
      {secret === null ? null : <SecretOnce label={`One-time password of ${secret.username}`} value={secret.password} onDone={() => setSecret(null)} />}
      <form className="filters" onSubmit={add} aria-label="add a user">
        <label>
          Username
          <input name="username" pattern="[A-Za-z0-9._@\-]{3,64}" required />
        </label>
        <RoleSelect name="role" label="Role" />
        <button type="submit">Add user</button>
      </form>
      <FormError message={error} />
      <Loaded query={users} what="users">
        {({ users: list }) =>
          list.length === 0 ? (
            <Empty>No users.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <caption>Accounts</caption>
                <thead>
                  <tr>
                    <th scope="col">Username</th>
                    <th scope="col">Role</th>
                    <th scope="col">MFA</th>
                    <th scope="col">State</th>
                    <th scope="col">Created</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((user) => {
                    const self = user.id === me.id;
                    return (
                      <tr key={user.id}>
                        <td>{user.username}</td>
                        <td>
                          {self || user.disabled ? (
                            user.role
                          ) : (
                            <RoleSelect name={`role-${user.id}`} label={`Role of ${user.username}`} value={user.role} onChange={(role) => void act(() => call(`/users/${user.id}`, { method: 'PATCH', body: { role } }))} />
                          )}
                        </td>
                        <td>{user.mfaEnrolled ? 'enrolled' : 'not yet'}</td>
                        <td>{user.disabled ? 'disabled' : user.mustChangePassword ? 'one-time password' : 'active'}</td>
                        <td>{formatTime(user.createdAt)}</td>
                        <td>
                          {self || user.disabled ? null : (
                            <button type="button" className="danger" onClick={() => window.confirm(`Disable ${user.username}? Their sessions end now.`) && void act(() => call(`/users/${user.id}/disable`, { method: 'POST' }))}>
                              Disable
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </>
  );
}
