import type { z } from 'zod';
import type {
  ComponentContext,
  DatasetDefinition,
  EnvironmentDefinition,
  LossDefinition,
  ModelDefinition,
  OptionsSchema,
  Plugin,
  StepDefinition,
  TrainerDefinition,
} from './contracts';

/** Types a plugin; does nothing else (like Vite's `defineConfig`). */
export function definePlugin<const P extends Plugin>(plugin: P): P {
  return plugin;
}

/** Types a model definition. */
export function defineModel<S extends OptionsSchema>(definition: ModelDefinition<S>): ModelDefinition<S> {
  return definition;
}

/** Types a loss definition. */
export function defineLoss<S extends OptionsSchema>(definition: LossDefinition<S>): LossDefinition<S> {
  return definition;
}

/** Types a step definition. */
export function defineStep<S extends OptionsSchema>(definition: StepDefinition<S>): StepDefinition<S> {
  return definition;
}

/** Types a trainer definition. */
export function defineTrainer<S extends OptionsSchema>(definition: TrainerDefinition<S>): TrainerDefinition<S> {
  return definition;
}

/** Types an environment definition. */
export function defineEnvironment<S extends OptionsSchema>(definition: EnvironmentDefinition<S>): EnvironmentDefinition<S> {
  return definition;
}

/** Types a dataset definition. */
export function defineDataset<S extends OptionsSchema>(definition: DatasetDefinition<S>): DatasetDefinition<S> {
  return definition;
}

/** Options type of a definition, for typed code that builds configs. */
export type OptionsOf<D> = D extends { options: infer S extends OptionsSchema } ? z.input<S> : never;

export type { ComponentContext };
