/**
 * What every FlowsRepository promises, as one suite run against each implementation
 * (flows-repository.test.ts): the file store and PostgreSQL.
 */
import { expect, it } from 'vitest';
import { flowHash, serializeFlow } from '../../shared/canonical.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { saveAll, type FlowsRepository } from './flows-repository.ts';
import { InvalidFlowIdError, type FlowReadResult } from './flows-store.ts';

export interface ContractSubject {
  repository: FlowsRepository;
  /** A second repository over the same storage, as another server would have. */
  another(): FlowsRepository;
}

function valid(result: FlowReadResult) {
  if (result.status !== 'ok') throw new Error(`expected a valid flow, got ${result.status}`);
  return result;
}

export function flowsRepositoryContract(subject: () => ContractSubject): void {
  it('saves canonically: created first, then updated, read back as the same canonical text and hash', async () => {
    const { repository } = subject();
    const flow = reviewFlow();
    expect(await repository.put(flow)).toEqual({ created: true, hash: flowHash(flow) });
    const changed = { ...flow, name: 'Changed' };
    expect(await repository.put(changed)).toEqual({ created: false, hash: flowHash(changed) });
    const read = valid(await repository.get('review'));
    expect(serializeFlow(read.flow)).toBe(serializeFlow(changed));
    expect(read.hash).toBe(flowHash(changed));
  });

  it('lists flows sorted by file name, with name, description and node count', async () => {
    const { repository } = subject();
    await repository.put(echoFlow('echo'));
    await repository.put({ ...reviewFlow('review-b'), description: 'Second' });
    await repository.put(reviewFlow('review'));
    const list = await repository.list();
    expect(list.map((entry) => entry.file)).toEqual(['echo.flow.json', 'review-b.flow.json', 'review.flow.json']);
    expect(list[1]).toEqual({ id: 'review-b', file: 'review-b.flow.json', valid: true, name: reviewFlow().name, description: 'Second', nodeCount: 3 });
  });

  it('deletes, says when there was nothing to delete, and creates again after a delete', async () => {
    const { repository } = subject();
    await repository.put(reviewFlow());
    expect(await repository.delete('review')).toBe(true);
    expect(await repository.delete('review')).toBe(false);
    expect(await repository.get('review')).toEqual({ status: 'missing' });
    expect(await repository.list()).toEqual([]);
    expect(await repository.put(reviewFlow())).toMatchObject({ created: true });
  });

  it('refuses ids that are not ids', async () => {
    const { repository } = subject();
    for (const id of ['../etc', '/etc/passwd', 'a\0b', 'Upper', '', 'x'.repeat(64)]) {
      await expect(repository.get(id)).rejects.toThrow(InvalidFlowIdError);
      await expect(repository.delete(id)).rejects.toThrow(InvalidFlowIdError);
      await expect(repository.put({ ...reviewFlow(), id })).rejects.toThrow(InvalidFlowIdError);
    }
  });

  it('gives the same Flow object while the flow is unchanged, and the new one after a save', async () => {
    const { repository } = subject();
    await repository.put(reviewFlow());
    const first = valid(await repository.get('review'));
    expect(valid(await repository.get('review')).flow).toBe(first.flow);
    await repository.put({ ...reviewFlow(), name: 'Saved again' });
    const after = valid(await repository.get('review'));
    expect(after.flow.name).toBe('Saved again');
    expect(after.flow).not.toBe(first.flow);
  });

  it('shows what one server saves and deletes to another at once', async () => {
    const { repository, another } = subject();
    const other = another();
    await repository.put(reviewFlow());
    expect(valid(await other.get('review')).flow.name).toBe(reviewFlow().name);
    await repository.put({ ...reviewFlow(), name: 'Edited on the first' });
    expect(valid(await other.get('review')).flow.name).toBe('Edited on the first');
    await repository.delete('review');
    expect(await other.get('review')).toEqual({ status: 'missing' });
  });

  it('saves several flows with saveAll', async () => {
    const { repository } = subject();
    await repository.put(echoFlow('echo'));
    expect((await saveAll(repository, [echoFlow('echo'), reviewFlow()])).map((result) => result.created)).toEqual([false, true]);
    expect((await repository.list()).map((entry) => entry.id)).toEqual(['echo', 'review']);
  });
}
