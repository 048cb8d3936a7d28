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

export function parseJsonText(text: string): JsonTextResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const lineColumn = /line (\d+) column (\d+)/.exec(raw);
    const position = /position (\d+)/.exec(raw);
    const where = lineColumn
      ? { line: Number(lineColumn[1]), column: Number(lineColumn[2]) }
      : lineAndColumn(text, position ? Number(position[1]) : text.length);
    const reason = raw.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    return { ok: false, message: `not valid JSON at line ${where.line}, column ${where.column}: ${reason}`, ...where };
  }
}
