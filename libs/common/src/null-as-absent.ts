import type { z } from 'zod';

/**
 * Official clients send `null` for every optional argument left unset (the Volcengine SDK's
 * `"doc_type": null`, the Ark SDK's `"ttl": null`). fjord reads such a `null` as if the field were
 * absent, so it gets the same default, wherever the schema does not give `null` a meaning of its own
 * (a field declared nullable, such as a bot's `knowledge: null`, keeps it).
 *
 * One rule for every request schema: walk the value alongside its zod schema and drop each `null`
 * whose field schema refuses `null`. Returns a new value; the input is not modified.
 */
export function nullAsAbsent(schema: z.ZodType, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (Array.isArray(value)) {
    if (def.type === 'array') return value.map((item) => nullAsAbsent(def.element as z.ZodType, item));
    if (def.type === 'tuple') return value.map((item, i) => ((def.items as z.ZodType[])[i] ? nullAsAbsent((def.items as z.ZodType[])[i], item) : item));
    return value;
  }
  switch (def.type) {
    case 'object':
      return stripObject(def.shape as Record<string, z.ZodType>, value as Record<string, unknown>);
    case 'union': {
      const options = def.options as z.ZodType[];
      // The first option the cleaned value fits decides; if none fits, validation reports the original.
      for (const option of options) {
        const candidate = nullAsAbsent(option, value);
        if (option.safeParse(candidate).success) return candidate;
      }
      return value;
    }
    case 'intersection':
      return nullAsAbsent(def.right as z.ZodType, nullAsAbsent(def.left as z.ZodType, value));
    case 'record': {
      const valueType = def.valueType as z.ZodType;
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, nullAsAbsent(valueType, item)]));
    }
    default:
      return value;
  }
}

function stripObject(shape: Record<string, z.ZodType>, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = shape[key];
    if (item === null) {
      // Unknown keys holding null are dropped too: they carry nothing, and strict schemas would refuse them.
      if (field && field.safeParse(null).success) out[key] = null;
      continue;
    }
    out[key] = field ? nullAsAbsent(field, item) : item;
  }
  return out;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'success']);

function defOf(schema: z.ZodType): Record<string, unknown> & { type: string } {
  return (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
}

/** Sees through optional/default/pipe/lazy wrappers to the schema that decides the value's shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 32; depth += 1) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type)) current = def.innerType as z.ZodType;
    else if (def.type === 'pipe') current = def.in as z.ZodType;
    else if (def.type === 'lazy') current = (def.getter as () => z.ZodType)();
    else return current;
  }
  return current;
}
