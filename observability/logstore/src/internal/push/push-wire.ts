// Loki's PushRequest (proto/push.proto) read straight from the protobuf wire format into streams, without
// building protobufjs message objects first: one pass over the bytes, strings decoded natively, integers
// read as numbers while they fit. Unknown fields are skipped, as protobuf readers do; the answer equals
// protobufjs's decoding of the same bytes mapped to streams (checked against it in the tests).
import type { Labels } from '../labels.js';
import type { RawEntry, RawStream } from './decode-push.js';

/** The body is not a valid PushRequest; the message says where. */
export class WireError extends Error {}

const NS_PER_S = 1_000_000_000n;

class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    public end: number,
  ) {}

  /** A varint as a number when it fits in 53 bits, else as a bigint. */
  varint(): number | bigint {
    const { buf } = this;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new WireError(`index out of range: ${this.pos} + 1 > ${this.end}`);
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    // Longer than 49 bits: the rest as a bigint.
    let big = BigInt(result);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError(`index out of range: ${this.pos} + 1 > ${this.end}`);
      const b = buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return big;
      shift += 7n;
    }
    throw new WireError('invalid varint encoding');
  }

  /** A length-delimited field's end offset (its start is `pos`). */
  lengthEnd(): number {
    const n = this.varint();
    if (typeof n !== 'number' || this.pos + n > this.end)
      throw new WireError(`index out of range: ${this.pos} + ${n} > ${this.end}`);
    return this.pos + n;
  }

  string(): string {
    const end = this.lengthEnd();
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new WireError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError(`index out of range: ${this.pos} + ${n} > ${this.end}`);
    this.pos += n;
  }

  /** The next field's number and wire type. */
  tag(): [number, number] {
    const t = this.varint();
    if (typeof t !== 'number') throw new WireError('invalid field tag');
    return [Math.floor(t / 8), t & 7];
  }
}

/** int64 (two's complement in a varint) to a bigint. */
function int64(v: number | bigint): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, v);
}

/** int32: a negative value is sent as a 10-byte varint. */
function int32(v: number | bigint): number {
  return typeof v === 'number' ? v | 0 : Number(BigInt.asIntN(32, v));
}

/** Decodes a PushRequest; throws WireError when the bytes are not one. */
export function decodePushRequest(bytes: Uint8Array): RawStream[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, buf.length);
  const streams: RawStream[] = [];
  while (r.pos < buf.length) {
    const [field, type] = r.tag();
    if (field === 1 && type === 2) {
      const end = r.lengthEnd();
      streams.push(readStream(r, end));
      r.end = buf.length;
    } else r.skip(type);
  }
  return streams;
}

function readStream(r: Reader, end: number): RawStream {
  const outer = r.end;
  r.end = end;
  let labels = '';
  const entries: RawEntry[] = [];
  while (r.pos < end) {
    const [field, type] = r.tag();
    if (field === 1 && type === 2) labels = r.string();
    else if (field === 2 && type === 2) {
      const e = r.lengthEnd();
      entries.push(readEntry(r, e));
      r.end = end;
    } else r.skip(type);
  }
  r.end = outer;
  return { labels, entries };
}

function readEntry(r: Reader, end: number): RawEntry {
  r.end = end;
  let seconds: bigint | number = 0;
  let nanos = 0;
  let line = '';
  let metadata: Labels | undefined;
  while (r.pos < end) {
    const [field, type] = r.tag();
    if (field === 1 && type === 2) {
      const e = r.lengthEnd();
      r.end = e;
      while (r.pos < e) {
        const [f, t] = r.tag();
        if (f === 1 && t === 0) seconds = int64(r.varint());
        else if (f === 2 && t === 0) nanos = int32(r.varint());
        else r.skip(t);
      }
      r.end = end;
    } else if (field === 2 && type === 2) line = r.string();
    else if (field === 3 && type === 2) {
      const e = r.lengthEnd();
      r.end = e;
      let name = '';
      let value = '';
      while (r.pos < e) {
        const [f, t] = r.tag();
        if (f === 1 && t === 2) name = r.string();
        else if (f === 2 && t === 2) value = r.string();
        else r.skip(t);
      }
      r.end = end;
      metadata ??= {};
      metadata[name] = value;
    } else r.skip(type);
  }
  const entry: RawEntry = { ts: BigInt(seconds) * NS_PER_S + BigInt(nanos), line };
  if (metadata) entry.metadata = metadata;
  return entry;
}
