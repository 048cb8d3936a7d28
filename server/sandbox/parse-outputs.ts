/**
 * Parses the outputs JSON a guest produced. JSON.parse only builds plain data, but it
 * does create own `__proto__` properties, which turn into prototype changes as soon as
 * a consumer copies them with Object.assign or a spread-and-merge helper; such outputs
 * are refused rather than silently altered.
 */
export function parseOutputs(json: string): { ok: true; outputs: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = json.includes('"__proto__"') ? JSON.parse(json, refuseProtoKey) : JSON.parse(json);
  } catch (error) {
    if (error instanceof ProtoKeyError) return { ok: false, message: 'code step outputs must not contain the key "__proto__"' };
    return { ok: false, message: 'code step returned outputs that are not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: 'code must return an object of outputs' };
  }
  return { ok: true, outputs: value as Record<string, unknown> };
}

class ProtoKeyError extends Error {}

function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ProtoKeyError();
  return value;
}
