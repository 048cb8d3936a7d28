/**
 * Code steps that hold QuickJS inside one built-in for a long stretch without polling the
 * interrupt (bench/README.md, "In-process guards"), each with a harmless input that makes it
 * short and a hostile one. Used by in-process-guards.test.ts and bench/code-step.ts, which both
 * run them on the server's thread (once trusted) and watch the event loop's worst delay.
 *
 * The hostile sizes keep a worker's run to about a second on a loaded machine, while on the
 * server's thread without guards each held it for 0.2 to 2 s. Large strings are built by
 * doubling in a loop (which polls), so the guarded operation is the one named.
 */
export interface HostileStep {
  name: string;
  source: string;
  harmless: Record<string, unknown>;
  hostile: Record<string, unknown>;
}

const doubled = 'let s = "a"; while (s.length < inputs.n) s += s;';

function step(name: string, body: string, n: number): HostileStep {
  return { name, source: `export default (inputs) => { ${body} }`, harmless: { n: 1 }, hostile: { n } };
}

export const HOSTILE_STEPS: readonly HostileStep[] = [
  step('sparse Array join', 'return { n: Array(inputs.n).join("").length }', 1e7),
  step('sparse Array indexOf', 'return { i: Array(inputs.n).indexOf(1) }', 1e7),
  step('array-like includes', 'return { found: Array.prototype.includes.call({ length: inputs.n }, 1) }', 1e7),
  step('sparse Array forEach', 'let calls = 0; Array(inputs.n).forEach(() => { calls += 1 }); return { calls }', 1e7),
  step('sparse Array reverse', 'return { n: Array(inputs.n).reverse().length }', 3e6),
  step('sparse array to string', 'return { n: String(Array(inputs.n)).length }', 5e6),
  step('fill then join', 'return { n: new Array(inputs.n).fill(1).join(",").length }', 1e6),
  step('flatMap to holes', 'return { n: [1].flatMap(() => Array(inputs.n)).length }', 5e6),
  step('Set of holes', 'return { size: new Set(Array(inputs.n)).size }', 5e6),
  step('typed array from array-like', 'return { n: new Uint8Array({ length: inputs.n }).length }', 5e6),
  step('typed array join', 'return { n: new Uint8Array(inputs.n).join().length }', 1e6),
  step('JSON.stringify of holes', 'return { n: JSON.stringify(Array(inputs.n)).length }', 1e6),
  step('string repeat', 'return { n: "ab".repeat(inputs.n).length }', 4e6),
  step('string padStart', 'return { n: "".padStart(inputs.n, "ab").length }', 8e6),
  step('string indexOf, long needle', `${doubled} const needle = s.slice(0, 1000) + "b"; return { i: s.indexOf(needle) }`, 1e5),
  step('string toUpperCase', `${doubled} return { n: s.toUpperCase().length }`, 4e6),
  step('regexp replace', `${doubled} return { n: s.replace(/a/g, "b").length }`, 2e6),
  step('string split', `${doubled} return { n: s.split("").length }`, 5e5),
  step('spread of holes', 'return { n: [...Array(inputs.n)].length }', 3e5),
  step('spread of a set', 'const set = new Set(); for (let i = 0; i < inputs.n; i++) set.add(i); return { n: Math.max(...set) }', 6e4),
  step('String.raw of a long raw', 'return { n: String.raw({ raw: { length: inputs.n } }, "x").length }', 3e6),
  step('caught by the code', 'try { return { i: Array(inputs.n).indexOf(1) } } catch (error) { return { caught: String(error) } } finally { inputs.n = 0 }', 1e7),
  step('caught in an async function', 'return (async () => { await null; try { return { i: await (async () => Array(inputs.n).lastIndexOf(1))() } } catch (error) { return { caught: String(error) } } })()', 1e7),
  step('BigInt power, printed', 'if (inputs.n < 2) return { n: 1 }; return { n: String(BigInt(3) ** BigInt(inputs.n)).length }', 1e5),
  step('BigInt literal compiled at run time', 'if (inputs.n < 2) return { n: 1 }; return { n: String(new Function("e", "return 3" + "n ** BigInt(e)")(inputs.n)).length }', 1e5),
];
