import { MODEL_OTHER } from '@opsight/catalog';
import { MODEL_NONE } from '../plugins/api-call.js';

/**
 * The models with a route (from the router's model list and answered requests): the values the
 * `model_name` label may take. Anything else is `other`, so a client cannot grow the label's series.
 */
export class KnownModels {
  readonly #names = new Set<string>();

  add(model: string): void {
    this.#names.add(model);
  }

  has(model: string): boolean {
    return this.#names.has(model);
  }

  /** The `model_name` label of a requested model: itself when routed, `other`, or `none` when absent. */
  label(model: string | undefined): string {
    return model === undefined ? MODEL_NONE : this.#names.has(model) ? model : MODEL_OTHER;
  }
}
