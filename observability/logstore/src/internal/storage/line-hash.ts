// A 52-bit hash of a log line, the third part of an entry's key (stream, timestamp, line hash):
// two independent 32-bit FNV-1a variants, combined. It makes an exact (stream, timestamp, line)
// duplicate land on the same key, so that it is stored once.

export function lineHash(line: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ line.length;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}
