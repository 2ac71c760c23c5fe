import { AdminEndpoints, type AdminOptions } from './admin-endpoints.js';

/** The endpoints themselves, or new ones built from options. */
export function toAdminEndpoints(admin: AdminEndpoints | AdminOptions): AdminEndpoints {
  return admin instanceof AdminEndpoints ? admin : new AdminEndpoints(admin);
}
