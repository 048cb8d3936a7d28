/** The spend caps flows declare (`settings.spendCaps`), read from the flows repository for the cost view. */
import type { SpendCap } from '../../shared/spend-caps.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';

export async function flowCapsFrom(flows: Pick<FlowsRepository, 'list' | 'get'>, flowId?: string): Promise<Array<{ flowId: string; caps: readonly SpendCap[] }>> {
  const ids = flowId !== undefined ? [flowId] : (await flows.list()).filter((entry) => entry.valid).map((entry) => entry.id);
  const found: Array<{ flowId: string; caps: readonly SpendCap[] }> = [];
  for (const id of ids) {
    const read = await flows.get(id);
    const caps = read.status === 'ok' ? read.flow.settings?.spendCaps : undefined;
    if (caps && caps.length > 0) found.push({ flowId: id, caps });
  }
  return found;
}
