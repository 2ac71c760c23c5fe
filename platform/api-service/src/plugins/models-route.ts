import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { KnownModels } from '../internal/known-models.js';
import type { ModelInfo } from '../router/model-router-client.js';
import { MODELS_ROUTE } from './api-call.js';

/** What the models route asks of the model router. */
export interface ModelLister {
  /** The routed models. */
  listModels(): Promise<ModelInfo[]>;
}

/** Options of {@link modelsRoutePlugin}. */
export interface ModelsRoutePluginOptions {
  /** The model router. */
  router: ModelLister;
  /** The routed models; every listed model joins them. */
  models: KnownModels;
}

const plugin: FastifyPluginAsync<ModelsRoutePluginOptions> = async (app, { router, models }) => {
  app.get(MODELS_ROUTE, async () => {
    const list = await router.listModels();
    for (const m of list) models.add(m.id);
    return {
      object: 'list',
      data: list.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.owned_by })),
    };
  });
};

/** `GET /v1/models`: the router's models, in OpenAI's list shape (keyed and limited like every API route). */
export const modelsRoutePlugin = fp(plugin, {
  name: 'api-models-route',
  fastify: '5.x',
  dependencies: ['api-auth', 'api-limits'],
});
