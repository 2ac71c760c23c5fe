// Decodes a remote-write 1.0 WriteRequest (uncompressed), as a receiver reads it: the tests' check of the
// encoder, written apart from it.
import protobuf from 'protobufjs';

export interface DecodedSeries {
  labels: Record<string, string>;
  samples: { value: number; timestampMs: number }[];
}

export function decodeWriteRequest(bytes: Uint8Array): DecodedSeries[] {
  const root = protobuf.parse(`
    syntax = "proto3";
    package prometheus;
    message WriteRequest { repeated TimeSeries timeseries = 1; }
    message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
    message Label { string name = 1; string value = 2; }
    message Sample { double value = 1; int64 timestamp = 2; }
  `).root;
  const type = root.lookupType('prometheus.WriteRequest');
  const msg = type.toObject(type.decode(bytes), { longs: Number, defaults: true }) as {
    timeseries: {
      labels: { name: string; value: string }[];
      samples: { value: number; timestamp: number }[];
    }[];
  };
  return msg.timeseries.map((ts) => ({
    labels: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])),
    samples: ts.samples.map((s) => ({ value: s.value, timestampMs: s.timestamp })),
  }));
}
