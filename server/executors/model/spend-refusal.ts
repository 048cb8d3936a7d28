/** The message of a model step refused by a spend cap across runs: the cap, its period, spent and needed. */
import { formatUsd } from '../../../shared/pricing.ts';
import type { SpendRefusal } from '../../engine/spend-ledger.ts';

export function describeSpendRefusal(refusal: SpendRefusal): string {
  const whose = refusal.scope === 'flow' ? `flow "${refusal.flowId}"` : 'the server (WEFT_SPEND_CAP_DAY_USD)';
  const held = refusal.reservedUsd > 0 ? ` (${formatUsd(refusal.reservedUsd)} more is held by steps running now)` : '';
  return `spend cap reached: ${whose} may spend ${formatUsd(refusal.capUsd)} per ${refusal.period} (${refusal.periodKey}, ${refusal.timeZone}); spent ${formatUsd(refusal.spentUsd)}${held}, this step needs up to ${formatUsd(refusal.neededUsd)}`;
}
