// Shapes of decoded OTLP messages as protobufjs produces them (64-bit integers as Long, bytes as Uint8Array).
import type { KeyValue } from '@opsight/contracts/codecs';
import type Long from 'long';

export type { AnyValue, KeyValue } from '@opsight/contracts/codecs';

export interface ResourceMessage {
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface ScopeMessage {
  name?: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface EventMessage {
  timeUnixNano?: Long | number;
  name?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface LinkMessage {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: Long | number;
  endTimeUnixNano: Long | number;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  events?: EventMessage[];
  droppedEventsCount?: number;
  links?: LinkMessage[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number } | null;
}
