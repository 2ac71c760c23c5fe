export type { NginxConfigOptions } from './render-config.js';
export {
  generatedHeader,
  kubernetesNginxOptions,
  localAccessLog,
  localNginxOptions,
  NGINX_TEMPLATE_PATH,
  NginxConfigError,
  readTemplate,
  renderNginxConfig,
} from './render-config.js';
