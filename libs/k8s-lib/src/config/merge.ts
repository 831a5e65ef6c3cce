type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges layers per key, later layers winning. Nested objects merge recursively, so an override of
 * `autoscaling.max` keeps the base's `autoscaling.min`; arrays and scalars (and `false`) replace.
 * `undefined` never overwrites.
 */
export function mergeLayers<T>(...layers: readonly unknown[]): T {
  let result: unknown = undefined;
  for (const layer of layers) {
    if (layer === undefined) continue;
    result = mergeTwo(result, layer);
  }
  return result as T;
}

function mergeTwo(base: unknown, top: unknown): unknown {
  if (!isPlain(base) || !isPlain(top)) return top;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined) continue;
    out[key] = mergeTwo(base[key], value);
  }
  return out;
}
