/**
 * The per-record checksum: a CRC-32 (IEEE, zlib's polynomial) over everything that identifies and makes up a record,
 * stored beside it and verified on every read and, for the last record of each stream, on
 * every open.
 *
 * The database's own protections (SQLite's WAL frame checksums, PostgreSQL's page
 * checksums when enabled) guard a write in flight; this one also catches what happens to a
 * record after it was committed: a damaged page, a tool editing the file, a record copied
 * into the wrong stream or position (the stream and seq are part of the sum).
 *
 * @module
 */
import * as zlib from 'node:zlib';

/**
 * zlib's native CRC-32 (Node 20.15 and later). It costs about half the JavaScript loop
 * below on a typical 200-byte record, and far less on large ones; every append pays it
 * once per record, on the event loop. Older Node versions fall back to the loop, which
 * computes the same sum.
 */
const nativeCrc32 = (zlib as { crc32?: (data: string, value?: number) => number }).crc32;

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** Reused for encoding short strings, so hashing a typical record allocates nothing. */
const scratch = Buffer.allocUnsafe(64 * 1024);

function update(crc: number, text: string): number {
  // A UTF-16 code unit takes at most 3 bytes in UTF-8.
  const bytes = text.length * 3 <= scratch.length ? scratch : Buffer.from(text, 'utf8');
  const length = bytes === scratch ? scratch.write(text, 'utf8') : bytes.length;
  let c = crc;
  for (let i = 0; i < length; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  // A zero byte after each field, so that moving characters from one field to the next changes the sum.
  return (TABLE[c & 0xff] as number) ^ (c >>> 8);
}

/**
 * The checksum of one record, as an unsigned 32-bit integer. `data` is the record's JSON
 * text, or `undefined`/`null` for a record without data (the two are the same record).
 */
export function recordChecksum(
  stream: string,
  seq: number,
  type: string,
  data: string | null | undefined,
  atMs: number,
): number {
  if (nativeCrc32 !== undefined) {
    // One call over the fields joined by zero bytes: the same bytes the loop below hashes.
    // zlib encodes the string as UTF-8, replacing a lone surrogate as Buffer.write does.
    return data === undefined || data === null
      ? nativeCrc32(`${stream}\0${seq}\0${type}\0${atMs}\0-\0`)
      : nativeCrc32(`${stream}\0${seq}\0${type}\0${atMs}\0=\0${data}\0`);
  }
  return portableChecksum(stream, seq, type, data, atMs);
}

/** {@link recordChecksum} in plain JavaScript, for Node versions without `zlib.crc32`. */
export function portableChecksum(
  stream: string,
  seq: number,
  type: string,
  data: string | null | undefined,
  atMs: number,
): number {
  let c = -1;
  c = update(c, stream);
  c = update(c, String(seq));
  c = update(c, type);
  c = update(c, String(atMs));
  if (data === undefined || data === null) c = update(c, '-');
  else c = update(update(c, '='), data);
  return (c ^ -1) >>> 0;
}
