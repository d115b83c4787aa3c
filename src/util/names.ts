import { randomInt } from 'node:crypto';

// Upstream's alphabet for generated name suffixes: no vowels (no accidental words), no
// look-alike characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** generateName + 5 random characters, truncating the base so the name stays ≤ 63. */
export function generateName(base: string): string {
  const maxBase = 63 - 5;
  return (base.length > maxBase ? base.slice(0, maxBase) : base) + randomSuffix(5);
}
