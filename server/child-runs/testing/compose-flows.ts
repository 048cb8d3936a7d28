/**
 * Flows that call flows, for tests: a child that shouts its text (a code step), and parents that
 * run it as a subflow or map it over a list.
 */
import type { Flow } from '../../../shared/flow.ts';
import { loadCallClosure, pinFlows } from '../../../shared/flow-calls.ts';
import { flow } from '../../../shared/testing/flow-builder.ts';
import { validateFlowDocument } from '../../../shared/validate.ts';
import type { RunLink } from '../../engine/index.ts';

/** text (string) + suffix (string) -> shout (string), through a code step "upper". */
export function shoutFlow(id = 'shout'): Flow {
  return flow(id, 'Shout')
    .input('in', { text: 'string', suffix: 'string' })
    .code('upper', { inputs: { text: 'string', suffix: 'string' }, outputs: { shout: 'string' } })
    .output('out', { shout: 'string' })
    .wire('in.text', 'upper.text')
    .wire('in.suffix', 'upper.suffix')
    .wire('upper.shout', 'out.shout')
    .build();
}

export function subflowParent(child = 'shout', settings?: Flow['settings']): Flow {
  return flow('parent', 'Parent')
    .input('in', { text: 'string' })
    .node({ id: 'call', kind: 'subflow', config: { flow: child } })
    .output('out', { shout: 'string' })
    .wire('in.text', 'call.text')
    .wire('in.text', 'call.suffix')
    .wire('call.shout', 'out.shout')
    .with(settings ? { settings } : {})
    .build();
}

export function mapParent(config: Record<string, unknown> = {}, settings?: Flow['settings']): Flow {
  const onItemFailure = config.onItemFailure ?? 'fail';
  const builder = flow('mapper', 'Mapper')
    .input('in', { texts: 'json', suffix: 'string' })
    .node({ id: 'each', kind: 'map', config: { flow: 'shout', itemInput: 'text', concurrency: 2, onItemFailure, ...config } })
    .output('out', onItemFailure === 'continue' ? { results: 'json', failures: 'json' } : { results: 'json' })
    .wire('in.texts', 'each.items')
    .wire('in.suffix', 'each.suffix')
    .wire('each.results', 'out.results');
  if (onItemFailure === 'continue') builder.wire('each.failures', 'out.failures');
  return builder.with(settings ? { settings } : {}).build();
}

/** Validates `root` against `library` and pins what it calls, as the CLI and the server do. */
export async function prepared(root: Flow, library: Flow[]): Promise<{ flow: Flow; link: RunLink }> {
  const byId = new Map(library.map((candidate) => [candidate.id, candidate]));
  const closure = await loadCallClosure(root, async (id) => byId.get(id));
  const result = validateFlowDocument(root, { flows: (id) => closure.get(id) });
  if (!result.ok) throw new Error(`test flow is invalid:\n${result.problems.map((problem) => problem.message).join('\n')}`);
  return { flow: result.flow, link: { flows: pinFlows(closure) } };
}
