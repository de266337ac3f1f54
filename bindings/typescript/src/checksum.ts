/**
 * CRC-32/IEEE (the polynomial of zlib, PNG and Go's hash/crc32) and the
 * MIST checksum rule built on it.
 *
 * @module
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32/IEEE of data, as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const NULL = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);

/**
 * The checksum a message stores for payload: its CRC-32, with a computed 0
 * stored as 1 (0 means "no checksum"). An absent (empty) payload is
 * checksummed as the bytes `null`, the way it is written.
 */
export function checksum(payload: Uint8Array): number {
  const c = crc32(payload.length === 0 ? NULL : payload);
  return c === 0 ? 1 : c;
}
