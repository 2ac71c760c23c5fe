import type { Counter, Histogram } from 'prom-client';
import {
  type BoundCounter,
  type BoundHistogram,
  bindCounter,
  bindHistogram,
} from '../metrics/bound-series.js';
import { grpcTypeOf, splitMethodPath } from './grpc-labels.js';

type MethodLabels = 'grpc_type' | 'grpc_service' | 'grpc_method';

/** The five go-grpc-prometheus families of one side (server or client). */
export interface GrpcFamilies {
  started: Counter<MethodLabels>;
  handled: Counter<MethodLabels | 'grpc_code'>;
  handling: Histogram<MethodLabels>;
  received: Counter<MethodLabels>;
  sent: Counter<MethodLabels>;
}

/** The series of one method, bound once: `handled` by status code, bound on first use. */
export interface GrpcMethodSeries {
  readonly service: string;
  readonly method: string;
  readonly started: BoundCounter;
  readonly received: BoundCounter;
  readonly sent: BoundCounter;
  readonly handling: BoundHistogram;
  handled(code: string): BoundCounter;
}

/** Methods whose series are kept bound; calls to methods beyond it (unknown paths) bind per call. */
const MAX_METHODS = 1024;

/** Bound series by method path and call type, made on a method's first call. */
export function grpcSeriesCache(
  families: GrpcFamilies,
): (path: string, requestStream: boolean, responseStream: boolean) => GrpcMethodSeries {
  const cache = new Map<string, GrpcMethodSeries>();
  return (path, requestStream, responseStream) => {
    const key = `${requestStream ? 1 : 0}${responseStream ? 1 : 0}${path}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const { service, method } = splitMethodPath(path);
    const labels = {
      grpc_type: grpcTypeOf(requestStream, responseStream),
      grpc_service: service,
      grpc_method: method,
    };
    const byCode = new Map<string, BoundCounter>();
    const series: GrpcMethodSeries = {
      service,
      method,
      started: bindCounter(families.started, labels),
      received: bindCounter(families.received, labels),
      sent: bindCounter(families.sent, labels),
      handling: bindHistogram(families.handling, labels),
      handled(code) {
        let counter = byCode.get(code);
        if (counter === undefined) {
          counter = bindCounter(families.handled, { ...labels, grpc_code: code });
          byCode.set(code, counter);
        }
        return counter;
      },
    };
    if (cache.size < MAX_METHODS) cache.set(key, series);
    return series;
  };
}
