/**
 * How platform resources are named in the software catalog. The catalog
 * provider creates the entities and the scaffolder actions link to them before
 * they exist, so both must derive the name from the same rule.
 */

/** Backstage entity names are at most 63 characters. */
const MAX_ENTITY_NAME_LENGTH = 63;
/** Room for `-` and 8 hex characters of the hash after the prefix. */
const TRUNCATED_PREFIX_LENGTH = 54;

/**
 * The name of the catalog `Resource` entity of a platform resource:
 * `<capability name>-<name>-<environment>`, where the capability name is the
 * part of the capability ref after `:` with dots turned into dashes. Names
 * longer than 63 characters keep their first 54 characters plus `-` and the
 * first 8 hex characters of the SHA-256 of the full name, so they stay
 * unique.
 *
 * @example
 * resourceEntityName({ capabilityRef: 'local:postgresql', name: 'orders-db', environment: 'dev' })
 * // 'postgresql-orders-db-dev'
 *
 * @public
 */
export function resourceEntityName(resource: {
  capabilityRef: string;
  name: string;
  environment: string;
}): string {
  const { capabilityRef, name, environment } = resource;
  const capabilityName = capabilityRef
    .slice(capabilityRef.indexOf(':') + 1)
    .replace(/\./g, '-')
    .toLocaleLowerCase('en-US');
  const full = `${capabilityName}-${name}-${environment}`;
  if (full.length <= MAX_ENTITY_NAME_LENGTH) {
    return full;
  }
  return `${full.slice(0, TRUNCATED_PREFIX_LENGTH)}-${sha256Hex(full).slice(
    0,
    8,
  )}`;
}

/**
 * The entity ref of the catalog `Resource` entity of a platform resource,
 * e.g. `resource:default/postgresql-orders-db-dev`.
 *
 * @public
 */
export function resourceEntityRef(resource: {
  capabilityRef: string;
  name: string;
  environment: string;
}): string {
  return `resource:default/${resourceEntityName(resource)}`;
}

// SHA-256 (FIPS 180-4) in plain TypeScript: this package also runs in the
// browser, where the only built-in digest (WebCrypto) is asynchronous, and a
// name has to be computed synchronously while rendering.

const ROUND_CONSTANTS = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_HASH = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
  0x1f83d9ab, 0x5be0cd19,
];

function rotateRight(value: number, bits: number): number {
  return (value >>> bits) | (value << (32 - bits));
}

/** The SHA-256 of the UTF-8 bytes of `text`, as 64 lower-case hex characters. */
function sha256Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  // Message, a 1 bit, zeros, and the bit length in the last 8 bytes of a
  // whole number of 64-byte blocks.
  const blocks = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  blocks.set(bytes);
  blocks[bytes.length] = 0x80;
  const view = new DataView(blocks.buffer);
  const bitLength = bytes.length * 8;
  view.setUint32(blocks.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(blocks.length - 4, bitLength >>> 0);

  const hash = new Uint32Array(INITIAL_HASH);
  const words = new Uint32Array(64);
  for (let offset = 0; offset < blocks.length; offset += 64) {
    for (let i = 0; i < 16; i++) {
      words[i] = view.getUint32(offset + i * 4);
    }
    for (let i = 16; i < 64; i++) {
      const w15 = words[i - 15];
      const w2 = words[i - 2];
      const s0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >>> 3);
      const s1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >>> 10);
      words[i] = words[i - 16] + s0 + words[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, h] = hash;
    for (let i = 0; i < 64; i++) {
      const s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25);
      const choice = (e & f) ^ (~e & g);
      const t1 = (h + s1 + choice + ROUND_CONSTANTS[i] + words[i]) | 0;
      const s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22);
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + majority) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    // Uint32Array stores every sum modulo 2^32.
    hash[0] += a;
    hash[1] += b;
    hash[2] += c;
    hash[3] += d;
    hash[4] += e;
    hash[5] += f;
    hash[6] += g;
    hash[7] += h;
  }
  return Array.from(hash, word => word.toString(16).padStart(8, '0')).join('');
}
