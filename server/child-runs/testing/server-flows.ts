/**
 * Composed flows for the server's tests: compose-flows.ts's shout child with a real code source
 * (run in the sandbox), and the same child held at an approval.
 */
import type { Flow } from '../../../shared/flow.ts';
import { shoutFlow } from './compose-flows.ts';

export const SHOUT_SOURCE = 'export default function ({ text, suffix }) {\n  return { shout: text.toUpperCase() + suffix };\n}\n';

/** text + suffix -> shout, upper-cased by a code step in the sandbox. */
export function sandboxShoutFlow(extraSource = ''): Flow {
  const child = shoutFlow();
  const upper = child.nodes.find((node) => node.id === 'upper')!;
  upper.config = { ...(upper.config as Record<string, unknown>), source: `${extraSource}${SHOUT_SOURCE}` };
  return child;
}

/** The shout child, with an approval "check" between its code step and its output. */
export function approvedShoutFlow(): Flow {
  const child = sandboxShoutFlow();
  child.nodes.push({ id: 'check', kind: 'approval', label: 'Check the shout', position: { x: 0, y: 200 }, config: { title: 'Shout it?' } });
  child.edges = child.edges.filter((edge) => edge.to !== 'out.shout');
  child.edges.push({ from: 'upper.shout', to: 'check.payload' }, { from: 'check.approved', to: 'out.shout' });
  return child;
}
