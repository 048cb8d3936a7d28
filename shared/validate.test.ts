import { describe, expect, it } from 'vitest';
import { serializeFlow } from './canonical.ts';
import { basicFlow, flow, loose, problemsOf, rulesOf } from './testing/flow-builder.ts';
import { validateFlow, validateFlowDocument, validateFlowText, type Problem } from './validate.ts';

function only(problems: Problem[]): Problem {
  expect(problems, JSON.stringify(problems, null, 2)).toHaveLength(1);
  return problems[0]!;
}

function withRule(problems: Problem[], rule: Problem['rule']): Problem[] {
  return problems.filter((problem) => problem.rule === rule);
}

/**
 * A wire with a broken end does not count as wiring its target, so the target is also reported as
 * unwired; tests about the broken end look past that.
 */
function besidesUnwired(problems: Problem[]): Problem[] {
  return problems.filter((problem) => problem.rule !== 'unwired-input');
}

describe('the fixture flows', () => {
  it('basicFlow is valid, and validateFlowDocument hands back the parsed flow', () => {
    const document = basicFlow().build();
    const result = validateFlowDocument(document);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.flow).toEqual(document);
    expect(validateFlow(document)).toEqual([]);
  });
});

describe('rule invalid-json', () => {
  it('locates a missing comma at the end of line 4 where the parser meets the next key: line 5, column 3', () => {
    const text = '{\n  "schemaVersion": 1,\n  "id": "x",\n  "name": "y"\n  "nodes": [],\n  "edges": []\n}\n';
    const result = validateFlowText(text);
    expect(result.ok).toBe(false);
    const problem = only(result.problems);
    expect(problem).toMatchObject({ rule: 'invalid-json', path: '', line: 5, column: 3 });
    expect(problem.message).toMatch(/^not valid JSON at line 5, column 3: /);
  });

  it('locates a missing comma inside one edge line at that line and the column of the next key', () => {
    const good = serializeFlow(basicFlow().build());
    const lines = good.split('\n');
    const edgeLine = lines.findIndex((line) => line.includes('"from": "ticket.text"'));
    expect(edgeLine).toBeGreaterThan(0);
    lines[edgeLine] = lines[edgeLine]!.replace('"ticket.text", "to"', '"ticket.text" "to"');
    const problem = only(validateFlowText(lines.join('\n')).problems);
    expect(problem.rule).toBe('invalid-json');
    expect(problem.line).toBe(edgeLine + 1);
    expect(problem.column).toBe(lines[edgeLine]!.indexOf('"to"') + 1);
  });

  it('counts lines the same in a file with CRLF line ends', () => {
    const text = '{\r\n  "schemaVersion": 1,\r\n  "id": "x",\r\n  "name": "y"\r\n  "nodes": []\r\n}\r\n';
    expect(only(validateFlowText(text).problems)).toMatchObject({ rule: 'invalid-json', line: 5, column: 3 });
  });

  it('reports truncated text at its end', () => {
    const text = '{\n  "schemaVersion": 1,\n  "id": "x"';
    expect(only(validateFlowText(text).problems)).toMatchObject({ rule: 'invalid-json', line: 3 });
  });

  // V8 words some syntax errors without a position ("Unexpected token 'T', ... is not valid JSON");
  // the location must still be where the mistake is, not the end of the file.
  it.each([
    ['a Python-style True', '"allowUnsure": true', '"allowUnsure": True', 'True'],
    ['a trailing comma in an array', '"required": ["category"]', '"required": ["category",]', ']'],
  ])('locates %s on its own line and column', (_, find, replace, marker) => {
    const good = flow('triage')
      .input('ticket', { text: 'string' })
      .model('classify', { output: { type: 'json', schema: { type: 'object', required: ['category'] } }, allowUnsure: true })
      .output('result', { answer: 'json', unsure: 'string' })
      .wire('ticket.text', 'classify.text')
      .wire('classify.result', 'result.answer')
      .wire('classify.unsure', 'result.unsure')
      .build();
    const lines = serializeFlow(good).split('\n');
    const index = lines.findIndex((line) => line.includes(find));
    expect(index).toBeGreaterThan(0);
    lines[index] = lines[index]!.replace(find, replace);
    const problem = only(validateFlowText(lines.join('\n')).problems);
    expect(problem.rule).toBe('invalid-json');
    expect({ line: problem.line, column: problem.column }).toEqual({ line: index + 1, column: lines[index]!.indexOf(marker, lines[index]!.indexOf(replace)) + 1 });
  });

  it('a well-formed text is parsed and validated', () => {
    const result = validateFlowText(JSON.stringify(basicFlow().build(), null, 2));
    expect(result).toMatchObject({ ok: true, problems: [] });
  });
});

describe('rule schema-version', () => {
  it('refuses a newer version, saying it is newer and to upgrade', () => {
    const problem = only(problemsOf(basicFlow().with({ schemaVersion: 2 as 1 }).build()));
    expect(problem).toMatchObject({ rule: 'schema-version', path: 'schemaVersion' });
    expect(problem.message).toContain('schemaVersion 2');
    expect(problem.message).toMatch(/newer/);
    expect(problem.message).toMatch(/upgrade/i);
  });

  it.each([
    ['missing', undefined],
    ['0', 0],
    ['negative', -1],
    ['not whole', 1.5],
    ['a string', '1'],
    ['null', null],
  ])('refuses a schemaVersion that is %s', (_, version) => {
    const document = loose(basicFlow().build());
    if (version === undefined) delete document.schemaVersion;
    else document.schemaVersion = version;
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'schema-version', path: 'schemaVersion' });
    expect(problem.message).toBe('schemaVersion must be a whole number from 1 to 1');
  });

  it.each([['an array', []], ['a string', 'flow'], ['null', null]])('refuses a document that is %s', (_, document) => {
    expect(only(problemsOf(document))).toMatchObject({ rule: 'schema-version', message: 'a flow file must hold a JSON object' });
  });

  it('accepts schemaVersion 1', () => {
    expect(problemsOf(basicFlow().with({ schemaVersion: 1 }).build())).toEqual([]);
  });
});

describe('rule structure', () => {
  it('refuses a flow without a name', () => {
    const document = loose(basicFlow().build());
    delete document.name;
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'structure', path: 'name' });
    expect(problem.message).toMatch(/^name: /);
    expect(problem.nodeId).toBeUndefined();
  });

  it('refuses an empty name', () => {
    expect(only(problemsOf(basicFlow().with({ name: '' }).build()))).toMatchObject({ rule: 'structure', path: 'name' });
  });

  it('refuses an extra top-level key, naming it', () => {
    const document = loose(basicFlow().build());
    document.owner = 'someone';
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'structure', path: '' });
    expect(problem.message).toBe('flow: unknown key "owner" (not part of this schema)');
  });

  it('refuses an extra key on a node, naming the node and the key', () => {
    const document = loose(basicFlow().build());
    document.nodes[1]!.secret = 'x';
    const problem = only(withRule(problemsOf(document), 'structure'));
    expect(problem).toMatchObject({ rule: 'structure', path: 'nodes[1]', nodeId: 'classify' });
    expect(problem.message).toContain('unknown key "secret"');
  });

  it('refuses a node without a position, naming the node', () => {
    const document = loose(basicFlow().build());
    delete document.nodes[2]!.position;
    const problem = withRule(problemsOf(document), 'structure')[0];
    expect(problem).toMatchObject({ rule: 'structure', path: 'nodes[2].position', nodeId: 'result' });
  });

  it('refuses an edge end that is not "node.port"', () => {
    const document = basicFlow().build();
    document.edges[0] = { from: 'ticket', to: 'classify.text' };
    const problems = problemsOf(document);
    expect(withRule(problems, 'structure')).toEqual([
      expect.objectContaining({ rule: 'structure', path: 'edges[0].from', message: 'edges[0].from: an edge end is "node.port", e.g. "classify.text"' }),
    ]);
  });

  it('refuses nodes that are not an array', () => {
    const document = loose(basicFlow().build());
    document.nodes = {} as never;
    document.edges = [];
    expect(only(problemsOf(document))).toMatchObject({ rule: 'structure', path: 'nodes' });
  });

  it('accepts the optional $schema, description and settings', () => {
    const document = basicFlow().with({ $schema: './flow.schema.json', description: 'd', settings: { budgetUsd: 0.5 } }).build();
    expect(problemsOf(document)).toEqual([]);
  });

  it('refuses a budget that is not positive', () => {
    expect(only(problemsOf(basicFlow().with({ settings: { budgetUsd: 0 } }).build()))).toMatchObject({ rule: 'structure', path: 'settings.budgetUsd' });
  });
});

describe('rule bad-id', () => {
  it('refuses the node id Bad_Id, naming the node', () => {
    const document = flow().output('Bad_Id', {}).build();
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'bad-id', path: 'nodes[0].id', nodeId: 'Bad_Id' });
    expect(problem.message).toMatch(/^nodes\[0\]\.id: an id must match/);
  });

  it.each(['Bad Flow', '1flow', 'flow_1', '', 'a'.repeat(64)])('refuses the flow id %j', (id) => {
    const problem = only(problemsOf(basicFlow().with({ id }).build()));
    expect(problem).toMatchObject({ rule: 'bad-id', path: 'id' });
    expect(problem.nodeId).toBeUndefined();
  });

  it.each(['done', 'a', 'step-2', 'a'.repeat(63)])('accepts the id %j', (id) => {
    expect(problemsOf(flow(id).output(id, {}).build())).toEqual([]);
  });
});

describe('rule unknown-kind', () => {
  it('refuses a kind the registry does not know, naming the node and the known kinds', () => {
    const document = flow().node({ id: 'hook', kind: 'webhook', config: {} }).build();
    const problem = only(problemsOf(document));
    expect(problem).toEqual({
      rule: 'unknown-kind',
      path: 'nodes[0].kind',
      nodeId: 'hook',
      message: 'node "hook": unknown kind "webhook" (known kinds: input, output, model, code, approval, switch, subflow, map)',
    });
  });

  it('accepts every registered kind', () => {
    const document = flow()
      .input('in', { value: 'string' })
      .code('work', { inputs: { value: 'string' }, outputs: { value: 'string' } })
      .approval('check')
      .output('out', { approved: 'any' })
      .wire('in.value', 'work.value')
      .wire('work.value', 'check.payload')
      .wire('check.approved', 'out.approved')
      .build();
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule config', () => {
  it('refuses an unknown key such as apiKey, naming the node and the key', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.apiKey = 'sk-secret';
    const problem = only(withRule(problemsOf(document), 'config'));
    expect(problem).toEqual({
      rule: 'config',
      path: 'nodes[1].config',
      nodeId: 'classify',
      message: 'node "classify" (model): nodes[1].config: unknown key "apiKey" (not part of this schema)',
    });
    expect(problem.message).not.toContain('sk-secret');
  });

  it('refuses a value of the wrong type, naming the key', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.temperature = 'hot';
    const problem = only(withRule(problemsOf(document), 'config'));
    expect(problem).toMatchObject({ rule: 'config', path: 'nodes[1].config.temperature', nodeId: 'classify' });
    expect(problem.message).toMatch(/^node "classify" \(model\): nodes\[1\]\.config\.temperature: /);
  });

  it('refuses a value out of range', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.temperature = 3;
    expect(only(withRule(problemsOf(document), 'config'))).toMatchObject({ rule: 'config', path: 'nodes[1].config.temperature', nodeId: 'classify' });
  });

  it('refuses a missing required key', () => {
    const document = basicFlow().build();
    delete document.nodes[1]!.config.prompt;
    expect(only(withRule(problemsOf(document), 'config'))).toMatchObject({ rule: 'config', path: 'nodes[1].config.prompt', nodeId: 'classify' });
  });

  it('refuses a field with a type that is not a port type', () => {
    const document = basicFlow().build();
    (document.nodes[0]!.config.fields as Array<{ type: string }>)[0]!.type = 'text';
    expect(only(withRule(problemsOf(document), 'config'))).toMatchObject({ rule: 'config', path: 'nodes[0].config.fields[0].type', nodeId: 'ticket' });
  });

  it('refuses a port name that is not an identifier', () => {
    const document = basicFlow().build();
    (document.nodes[2]!.config.fields as Array<{ name: string }>)[0]!.name = 'the answer';
    expect(withRule(problemsOf(document), 'config')).toEqual([expect.objectContaining({ path: 'nodes[2].config.fields[0].name', nodeId: 'result' })]);
  });

  it('a node with a config problem leaves the wires it feeds counted as wires (no false "has no wire")', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.apiKey = 'sk-secret';
    // classify.result -> result.answer is in the file; only classify's config is wrong.
    expect(rulesOf(problemsOf(document))).toEqual(['config']);
  });

  it('reports every config problem of one node', () => {
    const document = basicFlow().build();
    Object.assign(document.nodes[1]!.config, { apiKey: 'x', temperature: 'hot', maxTokens: 0 });
    const paths = withRule(problemsOf(document), 'config').map((problem) => problem.path).sort();
    expect(paths).toEqual(['nodes[1].config', 'nodes[1].config.maxTokens', 'nodes[1].config.temperature']);
  });

  it('accepts every optional model key with a good value', () => {
    const document = basicFlow().build();
    Object.assign(document.nodes[1]!.config, { system: 'Be brief about {{text}}', temperature: 0.2, maxTokens: 50, timeoutMs: 1_000, retries: 1 });
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule duplicate-node', () => {
  it('refuses two nodes with one id, pointing at the second', () => {
    const document = flow().output('done', {}).output('done', {}).build();
    expect(only(problemsOf(document))).toEqual({ rule: 'duplicate-node', path: 'nodes[1].id', nodeId: 'done', message: 'two nodes have the id "done"' });
  });

  it('accepts two nodes with different ids', () => {
    expect(problemsOf(flow().output('done', {}).output('also-done', {}).build())).toEqual([]);
  });
});

describe('rule duplicate-port', () => {
  it('refuses two output ports with one name', () => {
    const document = flow()
      .input('in', { value: 'string' })
      .code('split', { inputs: { value: 'string' }, outputs: { part: 'string' } })
      .wire('in.value', 'split.value')
      .build();
    (document.nodes[1]!.config.outputs as unknown[]).push({ name: 'part', type: 'number' });
    expect(only(problemsOf(document))).toEqual({
      rule: 'duplicate-port',
      path: 'nodes[1].config',
      nodeId: 'split',
      port: 'part',
      message: 'node "split": two output ports named "part"',
    });
  });

  it('refuses two input ports with one name', () => {
    const document = flow()
      .input('in', { value: 'string' })
      .output('out', { value: 'string' })
      .wire('in.value', 'out.value')
      .build();
    (document.nodes[1]!.config.fields as unknown[]).push({ name: 'value', type: 'string' });
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'duplicate-port', nodeId: 'out', port: 'value' });
    expect(problem.message).toBe('node "out": two input ports named "value"');
  });

  it('accepts an input and an output sharing a name on one node', () => {
    const document = flow()
      .input('in', { value: 'string' })
      .code('same', { inputs: { value: 'string' }, outputs: { value: 'string' } })
      .wire('in.value', 'same.value')
      .build();
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule duplicate-input-field', () => {
  it('refuses two input nodes declaring one run input, naming both', () => {
    const document = flow()
      .input('first', { text: 'string' })
      .input('second', { text: 'string' })
      .output('out', { a: 'string', b: 'string' })
      .wire('first.text', 'out.a')
      .wire('second.text', 'out.b')
      .build();
    expect(only(problemsOf(document))).toEqual({
      rule: 'duplicate-input-field',
      path: 'nodes[1].config.fields',
      nodeId: 'second',
      port: 'text',
      message: 'run input "text" is declared by both "first" and "second"',
    });
  });

  it('a field repeated inside one input node is a duplicate port, not a clash of the node with itself', () => {
    const document = flow().input('ticket', { text: 'string' }).output('out', { text: 'string' }).wire('ticket.text', 'out.text').build();
    (document.nodes[0]!.config.fields as unknown[]).push({ name: 'text', type: 'string' });
    const problems = problemsOf(document);
    expect(only(withRule(problems, 'duplicate-port'))).toMatchObject({ nodeId: 'ticket', port: 'text' });
    expect(problems.map((problem) => problem.message)).not.toContain('run input "text" is declared by both "ticket" and "ticket"');
    expect(rulesOf(problems)).toEqual(['duplicate-port']);
  });

  it('accepts two input nodes with different fields', () => {
    const document = flow()
      .input('first', { text: 'string' })
      .input('second', { count: 'number' })
      .output('out', { a: 'string', b: 'number' })
      .wire('first.text', 'out.a')
      .wire('second.count', 'out.b')
      .build();
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule bad-schema', () => {
  function flowWithSchema(schema: Record<string, unknown>) {
    return flow()
      .input('order', { order: { type: 'json', schema } })
      .output('out', { order: 'json' })
      .wire('order.order', 'out.order')
      .build();
  }

  it('refuses a schema the validator cannot use (two subschemas with one $id), naming node and port', () => {
    const document = flowWithSchema({ $defs: { a: { $id: 'https://example.com/a' }, b: { $id: 'https://example.com/a' } } });
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'bad-schema', path: 'nodes[0].config', nodeId: 'order', port: 'order' });
    expect(problem.message).toMatch(/^node "order" port "order": unusable JSON Schema: Duplicate schema URI/);
  });

  it('refuses a model output schema the validator cannot use, on the result port', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.output = { type: 'json', schema: { $id: 'http://[' } };
    document.nodes[2]!.config.fields = [{ name: 'answer', type: 'json' }];
    expect(only(problemsOf(document))).toMatchObject({ rule: 'bad-schema', nodeId: 'classify', port: 'result' });
  });

  it('refuses a schema whose $ref points nowhere (it would throw when a value is checked)', () => {
    const problem = only(problemsOf(flowWithSchema({ $ref: '#/$defs/missing' })));
    expect(problem).toMatchObject({ rule: 'bad-schema', nodeId: 'order', port: 'order' });
  });

  it('accepts a usable schema, including a $ref that resolves', () => {
    const schema = { $defs: { amount: { type: 'number', minimum: 0 } }, type: 'object', properties: { amount: { $ref: '#/$defs/amount' } } };
    expect(problemsOf(flowWithSchema(schema))).toEqual([]);
  });
});

describe('rule template', () => {
  it('refuses {{missing}} in a prompt, naming node, port and template', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.prompt = 'Classify {{text}} for {{missing}}';
    expect(only(problemsOf(document))).toEqual({
      rule: 'template',
      path: 'nodes[1].config.prompt',
      nodeId: 'classify',
      port: 'missing',
      message: 'node "classify": prompt uses {{missing}} but there is no input port "missing"',
    });
  });

  it('checks the system template too', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.system = 'You serve {{customer}}.';
    expect(only(problemsOf(document))).toMatchObject({ rule: 'template', path: 'nodes[1].config.system', nodeId: 'classify', port: 'customer' });
  });

  it('accepts templates that use only input ports, with spaces inside the braces', () => {
    const document = basicFlow().build();
    Object.assign(document.nodes[1]!.config, { prompt: 'Classify {{ text }}', system: 'Context: {{text}}' });
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule missing-node', () => {
  it('refuses a wire from a node that does not exist', () => {
    const document = basicFlow().build();
    document.edges[0] = { from: 'ghost.text', to: 'classify.text' };
    const problem = only(besidesUnwired(problemsOf(document)));
    expect(problem).toEqual({
      rule: 'missing-node',
      path: 'edges[0].from',
      nodeId: 'ghost',
      edge: { from: 'ghost.text', to: 'classify.text' },
      message: 'wire ghost.text -> classify.text: there is no node "ghost"',
    });
  });

  it('refuses a wire into a node that does not exist', () => {
    const document = basicFlow().wire('classify.result', 'archive.answer').build();
    expect(only(problemsOf(document))).toMatchObject({ rule: 'missing-node', path: 'edges[2].to', nodeId: 'archive' });
  });
});

describe('rule missing-port', () => {
  it('refuses a wire from an output port the node lacks', () => {
    const document = basicFlow().build();
    document.edges[0] = { from: 'ticket.body', to: 'classify.text' };
    expect(only(besidesUnwired(problemsOf(document)))).toEqual({
      rule: 'missing-port',
      path: 'edges[0].from',
      nodeId: 'ticket',
      port: 'body',
      edge: { from: 'ticket.body', to: 'classify.text' },
      message: 'wire ticket.body -> classify.text: input node "ticket" has no output port "body"',
    });
  });

  it('refuses a wire into an input port the node lacks', () => {
    const document = basicFlow().wire('ticket.text', 'classify.context').build();
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'missing-port', path: 'edges[2].to', nodeId: 'classify', port: 'context' });
    expect(problem.message).toBe('wire ticket.text -> classify.context: model node "classify" has no input port "context"');
  });

  it('knows a model has no unsure port unless allowUnsure is set', () => {
    const bad = basicFlow().output('review', { reason: 'string' }).wire('classify.unsure', 'review.reason').build();
    expect(only(besidesUnwired(problemsOf(bad)))).toMatchObject({ rule: 'missing-port', nodeId: 'classify', port: 'unsure' });
    const good = structuredClone(bad);
    good.nodes[1]!.config.allowUnsure = true;
    expect(problemsOf(good)).toEqual([]);
  });
});

describe('rule wrong-direction', () => {
  it('refuses a wire that starts at an input port', () => {
    const document = basicFlow().output('echo', { text: 'string' }).wire('classify.text', 'echo.text').build();
    expect(only(besidesUnwired(problemsOf(document)))).toEqual({
      rule: 'wrong-direction',
      path: 'edges[2].from',
      nodeId: 'classify',
      port: 'text',
      edge: { from: 'classify.text', to: 'echo.text' },
      message: 'wire classify.text -> echo.text: "text" is an input of "classify"; a wire starts at an output',
    });
  });

  it('refuses a wire that ends at an output port', () => {
    const document = basicFlow().input('other', { extra: 'string' }).wire('other.extra', 'classify.result').build();
    const problems = problemsOf(document);
    const problem = only(withRule(problems, 'wrong-direction'));
    expect(problem).toMatchObject({ path: 'edges[2].to', nodeId: 'classify', port: 'result' });
    expect(problem.message).toBe('wire other.extra -> classify.result: "result" is an output of "classify"; a wire ends at an input');
    expect(rulesOf(problems)).toEqual(['wrong-direction']);
  });

  it('reports both ends of a wire drawn backwards', () => {
    const document = basicFlow().build();
    document.edges[1] = { from: 'result.answer', to: 'classify.result' };
    const problems = withRule(problemsOf(document), 'wrong-direction');
    expect(problems.map((problem) => [problem.path, problem.nodeId, problem.port])).toEqual([
      ['edges[1].from', 'result', 'answer'],
      ['edges[1].to', 'classify', 'result'],
    ]);
  });
});

describe('rule type-mismatch', () => {
  it('refuses number -> string with the reason and a hint, naming the target', () => {
    const document = flow()
      .input('in', { count: 'number' })
      .model('say', { inputs: { text: 'string' } })
      .output('out', { answer: 'string' })
      .wire('in.count', 'say.text')
      .wire('say.result', 'out.answer')
      .build();
    expect(only(problemsOf(document))).toEqual({
      rule: 'type-mismatch',
      path: 'edges[0]',
      nodeId: 'say',
      port: 'text',
      edge: { from: 'in.count', to: 'say.text' },
      message: 'wire in.count -> say.text: number cannot feed string: add a code node to convert',
    });
  });

  it('knows a model result typed json does not feed a string port', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.output = { type: 'json', schema: { type: 'object' } };
    const problem = only(problemsOf(document));
    expect(problem).toMatchObject({ rule: 'type-mismatch', nodeId: 'result', port: 'answer' });
    expect(problem.message).toContain('json cannot feed string');
  });

  it('accepts a number wired through a code node that converts it', () => {
    const document = flow()
      .input('in', { count: 'number' })
      .code('convert', { inputs: { count: 'number' }, outputs: { text: 'string' } })
      .model('say', { inputs: { text: 'string' } })
      .output('out', { answer: 'string' })
      .wire('in.count', 'convert.count')
      .wire('convert.text', 'say.text')
      .wire('say.result', 'out.answer')
      .build();
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule multiple-wires', () => {
  it('refuses a second wire into one input, naming both sources', () => {
    const document = basicFlow().input('other', { note: 'string' }).wire('other.note', 'result.answer').build();
    expect(only(problemsOf(document))).toEqual({
      rule: 'multiple-wires',
      path: 'edges[2]',
      nodeId: 'result',
      port: 'answer',
      edge: { from: 'other.note', to: 'result.answer' },
      message: 'input result.answer has two wires (from classify.result and other.note); an input takes one',
    });
  });

  it('accepts one output feeding many inputs', () => {
    const document = basicFlow().output('copy', { text: 'string' }).wire('ticket.text', 'copy.text').build();
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule duplicate-edge', () => {
  it('refuses the same wire twice, once', () => {
    const document = basicFlow().wire('ticket.text', 'classify.text').build();
    expect(only(problemsOf(document))).toEqual({
      rule: 'duplicate-edge',
      path: 'edges[2]',
      edge: { from: 'ticket.text', to: 'classify.text' },
      message: 'the wire ticket.text -> classify.text appears twice',
    });
  });
});

describe('rule unwired-input', () => {
  it('refuses a required input without a wire, naming node and port', () => {
    const document = basicFlow().build();
    document.edges.splice(0, 1);
    expect(only(problemsOf(document))).toEqual({
      rule: 'unwired-input',
      path: 'nodes[1]',
      nodeId: 'classify',
      port: 'text',
      message: 'node "classify": required input "text" has no wire',
    });
  });

  it('requires the approval payload and every output field', () => {
    const document = flow().approval('check').output('out', { kept: 'any' }).build();
    const problems = problemsOf(document);
    expect(problems.map((problem) => [problem.rule, problem.nodeId, problem.port])).toEqual([
      ['unwired-input', 'check', 'payload'],
      ['unwired-input', 'out', 'kept'],
    ]);
  });

  it('does not require outputs to be wired', () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.allowUnsure = true;
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('rule cycle', () => {
  function chain(ids: string[], wires: Array<[string, string]>) {
    const builder = flow();
    for (const id of ids) {
      const inputs = Object.fromEntries(wires.filter(([, to]) => to === id).map(([from]) => [`from_${from}`, 'any' as const]));
      builder.code(id, { inputs, outputs: { out: 'any' } });
    }
    for (const [from, to] of wires) builder.wire(`${from}.out`, `${to}.from_${from}`);
    return builder.build();
  }

  it('names the nodes on the cycle in wire order, starting from the smallest id', () => {
    const document = chain(['alpha', 'beta', 'gamma'], [['alpha', 'gamma'], ['gamma', 'beta'], ['beta', 'alpha']]);
    expect(only(problemsOf(document))).toEqual({
      rule: 'cycle',
      path: 'edges',
      nodeId: 'alpha',
      message: 'the wires form a cycle: alpha -> gamma -> beta -> alpha (flows must be acyclic)',
    });
  });

  it('reports a node wired to itself', () => {
    const document = chain(['loop'], [['loop', 'loop']]);
    expect(only(problemsOf(document))).toMatchObject({ rule: 'cycle', nodeId: 'loop', message: 'the wires form a cycle: loop -> loop (flows must be acyclic)' });
  });

  it('reports each separate cycle', () => {
    const document = chain(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'a'], ['c', 'd'], ['d', 'c']]);
    expect(problemsOf(document).map((problem) => problem.message)).toEqual([
      'the wires form a cycle: a -> b -> a (flows must be acyclic)',
      'the wires form a cycle: c -> d -> c (flows must be acyclic)',
    ]);
  });

  it('names a cycle whose every step is a real wire when the loop has a side path', () => {
    // a -> b -> a is a cycle and so is a -> c -> b -> a; whatever is named must follow the wires.
    const wires: Array<[string, string]> = [['a', 'b'], ['a', 'c'], ['b', 'a'], ['c', 'b']];
    const problem = only(problemsOf(chain(['a', 'b', 'c'], wires)));
    const named = /cycle: (.*) \(flows/.exec(problem.message)![1]!.split(' -> ');
    for (let i = 0; i + 1 < named.length; i++) {
      expect(wires, `${named.join(' -> ')}: ${named[i]} -> ${named[i + 1]} is not a wire`).toContainEqual([named[i], named[i + 1]]);
    }
    expect(named[0]).toBe(named[named.length - 1]);
  });

  it('accepts a diamond (two paths that meet again)', () => {
    const document = chain(['a', 'b', 'c', 'd'], [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']]);
    expect(problemsOf(document)).toEqual([]);
  });
});

describe('a flow with several problems', () => {
  it('reports all of them, not just the first', () => {
    const document = flow('many')
      .input('in', { count: 'number' })
      .model('say', { prompt: 'Say {{text}} and {{nothing}}' })
      .node({ id: 'hook', kind: 'webhook', config: {} })
      .code('loop', { inputs: { back: 'any' }, outputs: { out: 'any' } })
      .output('out', { answer: 'string', spare: 'string' })
      .wire('in.count', 'say.text')
      .wire('say.result', 'out.answer')
      .wire('say.result', 'out.answer')
      .wire('loop.out', 'loop.back')
      .wire('ghost.value', 'out.answer')
      .build();
    document.nodes[4]!.config.apiKey = 'sk-x';
    loose(document).owner = 'me';
    document.nodes.push({ ...document.nodes[0]!, id: 'Bad_Id' });
    const problems = problemsOf(document);
    expect(new Set(rulesOf(problems))).toEqual(
      new Set(['structure', 'bad-id', 'unknown-kind', 'config', 'template', 'type-mismatch', 'duplicate-edge', 'missing-node', 'cycle']),
    );
    expect(problems.find((problem) => problem.rule === 'template')).toMatchObject({ nodeId: 'say', port: 'nothing' });
    expect(problems.find((problem) => problem.rule === 'config')).toMatchObject({ nodeId: 'out' });
    expect(problems.find((problem) => problem.rule === 'cycle')).toMatchObject({ nodeId: 'loop' });
  });

  it('keeps checking the graph when the top level has a structural problem', () => {
    const document = loose(basicFlow().build());
    delete document.name;
    document.edges.splice(0, 1);
    expect(rulesOf(problemsOf(document))).toEqual(['structure', 'unwired-input']);
  });
});

describe('large flows', () => {
  it('validates a chain of 10,000 nodes without overflowing the stack', () => {
    const count = 10_000;
    const nodes = [
      { id: 'in', kind: 'input', position: { x: 0, y: 0 }, config: { fields: [{ name: 'v', type: 'string' }] } },
      ...Array.from({ length: count }, (_, index) => ({
        id: `s${index}`,
        kind: 'code',
        position: { x: index, y: 0 },
        config: { language: 'javascript', source: 'export default (i) => i', inputs: [{ name: 'v', type: 'string' }], outputs: [{ name: 'v', type: 'string' }] },
      })),
      { id: 'out', kind: 'output', position: { x: 0, y: 1 }, config: { fields: [{ name: 'v', type: 'string' }] } },
    ];
    const edges = [{ from: 'in.v', to: 's0.v' }, ...Array.from({ length: count - 1 }, (_, index) => ({ from: `s${index}.v`, to: `s${index + 1}.v` })), { from: `s${count - 1}.v`, to: 'out.v' }];
    const document = { schemaVersion: 1, id: 'long', name: 'Long', nodes, edges };
    expect(validateFlowDocument(document).problems).toEqual([]);
    const looped = { ...document, edges: [...edges, { from: `s${count - 1}.v`, to: 's0.v' }] };
    const problems = validateFlowDocument(looped).problems.filter((problem) => problem.rule === 'cycle');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('s0 -> s1 -> s2');
  });
});
