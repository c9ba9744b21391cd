import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import type { Role } from '../api/roles.ts';
import { useQuery } from '../api/use-query.ts';
import { formatTime } from '../format/amount.ts';
import { RoleSelect } from '../ui/roles-select.tsx';
import { SecretOnce } from '../ui/secret-once.tsx';
import { Empty, Loaded } from '../ui/states.tsx';

interface ApiKey { id: string; name: string; role: Role; createdAt: string; expiresAt: string; revokedAt: string | null; lastUsedAt: string | null }

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** API keys (admin): create with a role and an expiry (the secret shown once), revoke. */
export function ApiKeys() {
  const keys = useQuery<{ apiKeys: ApiKey[] }>('/api-keys');
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await work();
      keys.reload();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  };

  const create = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const target = event.currentTarget;
    void act(async () => {
      const expiresAt = new Date(`${String(form.get('expires'))}T23:59:59Z`).toISOString();
      const created = await call<{ apiKey: ApiKey; secret: string }>('/api-keys', { body: { name: String(form.get('name')), role: String(form.get('role')), expiresAt } });
      setSecret({ name: created.apiKey.name, secret: created.secret });
      target.reset();
    });
  };

  return (
    <>
      <h1>API keys</h1>
      {secret === null ? null : <SecretOnce label={`Secret of key “${secret.name}” (send as X-API-Key)`} value={secret.secret} onDone={() => setSecret(null)} />}
      <form className="filters" onSubmit={create} aria-label="create an API key">
        <label>
          Name
          <input name="name" maxLength={100} required placeholder="prometheus scraper" />
        </label>
        <RoleSelect name="role" label="Role" />
        <label>
          Expires on
          <input name="expires" type="date" defaultValue={inDays(90)} min={inDays(1)} required />
        </label>
        <button type="submit">Create key</button>
      </form>
      {error === null ? null : (
        <p className="state state-error" role="alert">
          {error}
        </p>
      )}
      <Loaded query={keys} what="API keys">
        {({ apiKeys }) =>
          apiKeys.length === 0 ? (
            <Empty>No API key yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <caption>API keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    <th scope="col">State</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {apiKeys.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>{key.role}</td>
                      <td>{formatTime(key.expiresAt)}</td>
                      <td>{formatTime(key.lastUsedAt)}</td>
                      <td>{key.revokedAt === null ? 'active' : `revoked ${formatTime(key.revokedAt)}`}</td>
                      <td>
                        {key.revokedAt === null ? (
                          <button type="button" className="danger" onClick={() => window.confirm(`Revoke the key “${key.name}”? Whatever uses it stops working.`) && void act(() => call(`/api-keys/${key.id}`, { method: 'DELETE' }))}>
                            Revoke
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </>
  );
}
