// The value transformers of an EncryptionConfiguration provider list (upstream's
// k8s.io/apiserver/pkg/storage/value/encrypt/*): each key of each provider is one
// PrefixedTransformer; stored values start with `k8s:enc:<provider>:v1:<key name>:`.
//
// Store values are strings (src/storage/types.ts), so the bytes after the prefix are base64
// (upstream stores them raw in etcd). Layouts of those bytes, as upstream's:
//   aescbc     IV (16 bytes, random) + AES-CBC ciphertext, PKCS#7 padded
//   aesgcm     nonce (12 bytes, random) + AES-GCM ciphertext + tag (16); the storage key is
//              the authenticated data, so a value copied under another key fails to decrypt
//   secretbox  nonce (24 bytes, random) + XSalsa20-Poly1305 box (tweetnacl)
// identity has no prefix: it writes the plaintext and reads anything without a known prefix.
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync, type CipherGCMTypes } from 'node:crypto';

// IVs and nonces come from the CSPRNG in 4 KiB draws: one RAND_bytes call per request was
// a measurable part of a Secret write (bench/encryption.bench.ts). They are public and only
// need to be unpredictable and unique, which slicing a random pool keeps.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomBytes(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + n));
  poolAt += n;
  return out;
}

export type ProviderType = 'aescbc' | 'aesgcm' | 'secretbox' | 'identity';

/** One key of one provider. `prefix` is '' for identity. */
export interface PrefixedTransformer {
  readonly type: ProviderType;
  readonly keyName: string;
  readonly prefix: string;
  /** The metric label: the prefix without the key name (`k8s:enc:aescbc:v1:`), `identity` for identity. */
  readonly metricPrefix: string;
  encrypt(plain: Buffer, storageKey: string): Buffer;
  /** Throws when the bytes were not written with this key (wrong key, tampered, truncated). */
  decrypt(data: Buffer, storageKey: string): Buffer;
}

/** Key sizes upstream's config validation accepts, in bytes. */
export const KEY_SIZES: Readonly<Record<Exclude<ProviderType, 'identity'>, readonly number[]>> = {
  aescbc: [16, 24, 32],
  aesgcm: [16, 24, 32],
  secretbox: [32],
};

/** The secretbox primitive (tweetnacl), loaded only when a config names secretbox. */
export interface SecretBox {
  seal(msg: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;
}

export const identityTransformer: PrefixedTransformer = {
  type: 'identity',
  keyName: '',
  prefix: '',
  metricPrefix: 'identity',
  encrypt: (plain) => plain,
  decrypt: (data) => data,
};

export function newKeyTransformer(type: Exclude<ProviderType, 'identity'>, keyName: string, rawKey: Buffer, box?: SecretBox): PrefixedTransformer {
  const key = type === 'secretbox' ? rawKey : createSecretKey(rawKey);
  const metricPrefix = `k8s:enc:${type}:v1:`;
  const prefix = `${metricPrefix}${keyName}:`;
  const cipherName = `aes-${rawKey.length * 8}`;
  switch (type) {
    case 'aescbc':
      return {
        type, keyName, prefix, metricPrefix,
        encrypt(plain) {
          const iv = randomBytes(16);
          const c = createCipheriv(`${cipherName}-cbc`, key, iv);
          return Buffer.concat([iv, c.update(plain), c.final()]);
        },
        decrypt(data) {
          if (data.length < 32 || data.length % 16 !== 0) throw new Error('the data is not a whole number of AES blocks');
          const d = createDecipheriv(`${cipherName}-cbc`, key, data.subarray(0, 16));
          return Buffer.concat([d.update(data.subarray(16)), d.final()]);
        },
      };
    case 'aesgcm':
      return {
        type, keyName, prefix, metricPrefix,
        encrypt(plain, storageKey) {
          const nonce = randomBytes(12);
          const c = createCipheriv(`${cipherName}-gcm` as CipherGCMTypes, key, nonce);
          c.setAAD(Buffer.from(storageKey));
          const body = Buffer.concat([c.update(plain), c.final()]);
          return Buffer.concat([nonce, body, c.getAuthTag()]);
        },
        decrypt(data, storageKey) {
          if (data.length < 12 + 16) throw new Error('the data is shorter than a nonce and a tag');
          const d = createDecipheriv(`${cipherName}-gcm` as CipherGCMTypes, key, data.subarray(0, 12));
          d.setAAD(Buffer.from(storageKey));
          d.setAuthTag(data.subarray(data.length - 16));
          return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
        },
      };
    case 'secretbox': {
      if (!box) throw new Error('secretbox needs its primitive');
      return {
        type, keyName, prefix, metricPrefix,
        encrypt(plain) {
          const nonce = randomBytes(24);
          return Buffer.concat([nonce, box.seal(plain, nonce, rawKey)]);
        },
        decrypt(data) {
          if (data.length < 24 + 16) throw new Error('the data is shorter than a nonce and a tag');
          const out = box.open(data.subarray(24), data.subarray(0, 24), rawKey);
          if (!out) throw new Error('authentication failed');
          return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
        },
      };
    }
  }
}
