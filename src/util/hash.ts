// Non-cryptographic hashes with upstream's spelling of hash values. FNV-1 and FNV-1a, 32 bits
// (Go's hash/fnv New32 and New32a), continue from a previous value so that a salt (a collision
// count) can be hashed after the data. Pure: no node: imports (src/api may use it).

/** FNV-32 offset basis: the hash of no bytes. */
export const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** 32-bit FNV-1 (multiply, then xor) over bytes, continuing from `h`. */
export function fnv1(bytes: Uint8Array, h = FNV32_OFFSET): number {
  for (let i = 0; i < bytes.length; i++) h = (Math.imul(h, FNV32_PRIME) ^ bytes[i]) >>> 0;
  return h >>> 0;
}

/** 32-bit FNV-1a (xor, then multiply) over bytes, continuing from `h`. */
export function fnv1a(bytes: Uint8Array, h = FNV32_OFFSET): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV32_PRIME) >>> 0;
  return h >>> 0;
}

/** `n` as 4 little-endian bytes (how controller.ComputeHash salts with a collision count). */
export function uint32LE(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * upstream rand.SafeEncodeString: each character mapped into an alphabet without vowels and
 * look-alike digits, by its code, so hash values never spell words (`5d59d67564`).
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}
