/**
 * Settings: API keys for invoking flows (`/api/keys`). A new key is shown once, here, and never
 * again (the server keeps only its hash); a key may be limited to some flows.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import type { keySummarySchema } from '../../../shared/wire/rest-answers.ts';
import { api } from '../../api/api-client.ts';
import { ApiError, errorWithIssues } from '../../api/http.ts';
import { useUi } from '../../state/ui-store.ts';
import { Modal } from '../dialogs/modal.tsx';

type KeySummary = z.output<typeof keySummarySchema>;

const message = (error: unknown): string => (error instanceof ApiError ? errorWithIssues(error) : error instanceof Error ? error.message : String(error));

export function ApiKeysSettings() {
  const close = useUi((state) => state.closeDialog);
  const [keys, setKeys] = useState<KeySummary[] | null>(null);
  const [name, setName] = useState('');
  const [flows, setFlows] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    api.listKeys().then(setKeys, (reason: unknown) => setError(message(reason)));
  }, []);
  useEffect(reload, [reload]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const flowIds = flows.split(',').map((flow) => flow.trim()).filter(Boolean);
    try {
      const answer = await api.createKey({ name: name.trim(), ...(flowIds.length > 0 ? { flows: flowIds } : {}) });
      setCreated({ name: answer.summary.name, key: answer.key });
      setName('');
      setFlows('');
      reload();
    } catch (reason) {
      setError(message(reason));
    }
  };

  const revoke = async (keyName: string) => {
    setError(null);
    try {
      await api.revokeKey(keyName);
      reload();
    } catch (reason) {
      setError(message(reason));
    }
  };

  return (
    <Modal title="Settings: API keys" onClose={close} testId="settings-dialog" wide>
      <p className="small">Applications call a flow with <span className="mono">POST /api/flows/ID/invoke</span> and <span className="mono">Authorization: Bearer KEY</span>. Once a key exists, invoking needs one.</p>
      {created ? (
        <div data-testid="created-key">
          <p>
            Key <strong>{created.name}</strong>: copy it now, it is not shown again.
          </p>
          <pre className="code-block" data-testid="created-key-value">
            {created.key}
          </pre>
        </div>
      ) : null}
      <table className="keys-table small" data-testid="keys-table">
        <tbody>
          {(keys ?? []).map((key) => (
            <tr key={`${key.name}-${key.createdAt}`} data-testid={`key-${key.name}`}>
              <td className="mono">{key.name}</td>
              <td>{key.flows ? key.flows.join(', ') : 'every flow'}</td>
              <td>{key.revokedAt ? 'revoked' : 'active'}</td>
              <td>
                {key.revokedAt ? null : (
                  <button type="button" className="btn btn-danger" onClick={() => void revoke(key.name)} data-testid={`revoke-${key.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys && keys.length === 0 ? <p className="small">No keys yet: invoking is open on this machine (loopback) until one exists.</p> : null}
      <form onSubmit={(event) => void create(event)}>
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} placeholder="billing-app" data-testid="key-name" />
        </label>
        <label>
          Flows (ids, comma-separated; empty for every flow)
          <input value={flows} onChange={(event) => setFlows(event.target.value)} placeholder="triage-ticket" data-testid="key-flows" />
        </label>
        {error ? (
          <p className="problem" data-testid="keys-error">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={close}>
            Close
          </button>
          <button type="submit" className="btn btn-primary" disabled={name.trim() === ''} data-testid="create-key">
            Create key
          </button>
        </div>
      </form>
    </Modal>
  );
}
