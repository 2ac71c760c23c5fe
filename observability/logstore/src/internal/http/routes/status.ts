// /loki/api/v1/status/buildinfo, which Grafana reads, and Loki's ingester endpoint /flush.
import { sendJson } from '../request.js';
import type { RouteHandler } from './route.js';

/** Grafana reads the version to pick the query features it offers (Loki 3 API). */
const BUILD_INFO = {
  version: '3.0.0',
  revision: 'opsight-logstore',
  branch: '',
  buildUser: '',
  buildDate: '',
  goVersion: '',
} as const;

export const buildInfo: RouteHandler = ({ res }) => {
  sendJson(res, 200, BUILD_INFO);
};

/** Seals what the out-of-order window allows, now. */
export const flush: RouteHandler = ({ res, api }) => {
  api.flush();
  res.writeHead(204);
  res.end();
};
