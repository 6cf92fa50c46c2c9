// The value at a dotted path (`dwfm.queue.depth`) inside a JSON document, or undefined when any step of
// the path is missing.
export function valueAt(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}
