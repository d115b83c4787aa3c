/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(d: Date | number = Date.now()): string {
  const iso = new Date(d).toISOString();
  return iso.slice(0, 19) + 'Z';
}

/** RFC 3339 with microseconds, as metav1.MicroTime serializes. */
export function rfc3339Micro(d: Date | number = Date.now()): string {
  const iso = new Date(d).toISOString();
  return iso.slice(0, 23) + '000Z';
}
