/**
 * `record[key] = value` for a key that comes from the host (a task kind, an agent id): assigning to "__proto__"
 * would set the object's prototype instead of adding the key. The object stays a plain literal (a prototype-less
 * object would be a slower dictionary-mode object to V8, and these are built per agent per tick).
 */
export function setOwn<V>(record: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  else record[key] = value
}
