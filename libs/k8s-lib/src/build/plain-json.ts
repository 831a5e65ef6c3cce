import { ApiObject, App, ImplicitTokenResolver, JsonPatch, LazyResolver, NumberStringUnionResolver, resolve, type Chart } from 'cdk8s';

/**
 * `chart.toJson()` with each object rendered in one walk instead of two.
 *
 * cdk8s renders an object as `sanitizeValue(resolve([], data))`: `resolve` asks every resolver about
 * every value (a Lazy, a token with `resolve()`, a number-or-string union) and copies the tree with a
 * key path per value, then `sanitizeValue` copies it again with its keys sorted and null values left
 * out. Most of an object is plain data (strings, numbers, booleans, arrays, plain objects) that no
 * resolver changes: this walk sorts and drops as `sanitizeValue` does and hands any other value (a
 * class instance, a plain object with a `resolve` function) to cdk8s's own `resolve` and then
 * sanitizes that, so the result is the same, key order included. The tests compare both renderings
 * on every object of every environment of the workspace.
 *
 * It applies only while `chart.toJson()` runs (the prototype's method is put back afterwards), only
 * to objects of an App with cdk8s's default resolvers and with sorted keys; anything else renders as
 * cdk8s does, and so does an object this walk cannot render (cdk8s then reports why).
 */
/** cdk8s's own rendering, as the module found it. */
const cdk8sToJson = ApiObject.prototype.toJson;

export function chartJson(chart: Chart): unknown[] {
  if (process.env.CDK8S_DISABLE_SORT || !hasDefaultResolvers(App.of(chart) as App)) return chart.toJson();
  const previous = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = function (this: ApiObject) {
    // Another App rendered meanwhile (a Lazy can render one) may have resolvers of its own.
    if (!hasDefaultResolvers(App.of(this) as App)) return cdk8sToJson.call(this);
    try {
      return objectJson(this);
    } catch {
      // What cannot be rendered fails as cdk8s fails it, with cdk8s's own message.
      return cdk8sToJson.call(this);
    }
  };
  try {
    return chart.toJson();
  } finally {
    ApiObject.prototype.toJson = previous;
  }
}

function hasDefaultResolvers(app: App): boolean {
  const r = app.resolvers;
  return (
    r.length === 3 &&
    r[0]!.constructor === LazyResolver &&
    r[1]!.constructor === ImplicitTokenResolver &&
    r[2]!.constructor === NumberStringUnionResolver
  );
}

/** What ApiObject.toJson returns, from the same data, patches and key order. */
function objectJson(o: ApiObject): Record<string, unknown> {
  const internals = o as unknown as { props: Record<string, unknown>; patches: JsonPatch[] };
  try {
    const data = { ...internals.props, metadata: o.metadata.toJson() };
    const json = plain(data, [], o) as Record<string, unknown>;
    const patched: Record<string, unknown> = internals.patches.length === 0 ? json : JsonPatch.apply(json, ...internals.patches);
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (k in patched) result[k] = patched[k];
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${o.node.path}' with name '${o.name}': ${e}`);
  }
}

/**
 * `sanitizeValue(resolve(path, value))`: plain data is walked here; a value some resolver could
 * replace goes to cdk8s's `resolve` (with its key path) and then to `sanitize`.
 */
function plain(value: unknown, path: string[], o: ApiObject): unknown {
  if (value === null || value === undefined) return undefined;
  const t = typeof value;
  if (t !== 'string' && t !== 'number' && t !== 'boolean' && t !== 'object') return byCdk8s(value, path, o);
  // What the resolvers look at: a `resolve` method on anything, a `value` field on anything but a plain object.
  const v = value as { constructor?: unknown; resolve?: unknown; value?: unknown };
  if (typeof v.resolve === 'function') return byCdk8s(value, path, o);
  if (t !== 'object' || Array.isArray(value)) {
    if (v.value !== undefined) return byCdk8s(value, path, o);
    if (t !== 'object') return value;
    return (value as unknown[]).map((x, i) => {
      path.push(String(i));
      const item = plain(x, path, o);
      path.pop();
      return item;
    });
  }
  if (v.constructor !== Object) return byCdk8s(value, path, o);
  const record = value as Record<string, unknown>;
  // Values in the object's own order (a Lazy is produced when cdk8s would produce it), keys sorted after.
  const keys = Object.keys(record);
  const values = keys.map((key) => {
    path.push(key);
    const item = plain(record[key], path, o);
    path.pop();
    return item;
  });
  const out: Record<string, unknown> = {};
  for (const i of keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1))) {
    const item = values[i];
    if (item !== null && item !== undefined) out[keys[i]!] = item;
  }
  return out;
}

/** A value some resolver could replace: cdk8s resolves it (with its key path), then it is sanitized. */
function byCdk8s(value: unknown, path: readonly string[], o: ApiObject): unknown {
  return sanitize(resolve([...path], value, o));
}

/** cdk8s's `sanitizeValue` with sorted keys: null values left out, only plain objects and arrays. */
function sanitize(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((x) => sanitize(x));
  const name = (value as { constructor: { name: string } }).constructor.name;
  if (name !== 'Object') throw new Error(`can't render non-simple object of type '${name}'`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = sanitize((value as Record<string, unknown>)[key]);
    if (v !== null && v !== undefined) out[key] = v;
  }
  return out;
}
