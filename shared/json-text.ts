/** JSON.parse with the line and column of a syntax error, for messages people can act on. */
export type JsonTextResult = { ok: true; value: unknown } | { ok: false; message: string; line: number; column: number };

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

interface SyntaxProblem {
  offset: number;
  reason: string;
}

/**
 * Finds where JSON text first breaks, and why. JSON.parse's own messages differ between engines
 * and some carry no position at all, so the place is found by this small scanner instead.
 */
export function locateJsonError(text: string): SyntaxProblem {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw { offset: at, reason } satisfies SyntaxProblem;
  };
  const describe = (at: number): string => (at >= text.length ? 'the end of the text' : text[at] === '"' ? `'"'` : `"${text[at]}"`);
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe(i)}${/[A-Za-z]/.test(text[i] ?? '') ? ' (JSON has only true, false and null as words, in lower case)' : ''}`);
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const char = text[i]!;
      if (char === '"') {
        i++;
        return;
      }
      if (char === '\\') {
        const escape = text[i + 1] ?? '';
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in a string');
          i += 6;
        } else if ('"\\/bfnrt'.includes(escape) && escape !== '') i += 2;
        else fail(`bad escape "\\${escape}" in a string`);
        continue;
      }
      if (char.charCodeAt(0) < 0x20) fail('a string cannot hold a raw line break or control character (use \\n)');
      i++;
    }
    fail('a string is not closed (missing ")');
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail(`unexpected ${describe(i)}`);
    i += match![0].length;
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{') return object();
    if (char === '[') return array();
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    if (char === "'") fail('strings take double quotes (") in JSON');
    fail(i >= text.length ? 'the text ends where a value should be' : `unexpected ${describe(i)} where a value should be${/[A-Za-z]/.test(char ?? '') ? ' (JSON has only true, false and null as words, in lower case)' : ''}`);
  };
  const object = (): void => {
    i++;
    space();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before "}" (trailing commas are not allowed)' : `expected a "quoted" property name, found ${describe(i)}`);
      string();
      space();
      if (text[i] !== ':') fail(`expected ":" after the property name, found ${describe(i)}`);
      i++;
      value();
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(`expected "," or "}" after a property value, found ${describe(i)}`);
    }
  };
  const array = (): void => {
    i++;
    space();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text[i] === ']') fail('a comma before "]" (trailing commas are not allowed)');
      value();
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(`expected "," or "]" after an array item, found ${describe(i)}`);
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`);
  } catch (problem) {
    if (typeof problem === 'object' && problem !== null && 'offset' in problem) return problem as SyntaxProblem;
    throw problem;
  }
  return { offset: text.length, reason: 'the text is not valid JSON' };
}

export function parseJsonText(text: string): JsonTextResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    const problem = locateJsonError(body);
    const where = lineAndColumn(body, problem.offset);
    return { ok: false, message: `not valid JSON at line ${where.line}, column ${where.column}: ${problem.reason}`, ...where };
  }
}
