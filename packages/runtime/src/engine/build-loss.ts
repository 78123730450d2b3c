import type { ComponentContext, Loss, LossSpec } from '../contracts';
import type { Registry } from '../registry';
import { parseComponentOptions } from '../zod-issues';

/** Builds one loss from a config spec (`use`, optional `weight`, options). The weight is not applied here. */
export function buildLoss(registry: Registry, context: ComponentContext, spec: LossSpec): Loss {
  const { use, weight: _weight, ...rest } = spec;
  const definition = registry.get('losses', use);
  const options = parseComponentOptions(definition.options, rest, `loss ${use}`);
  return definition.create(options, { ...context, rng: context.rng.fork(`loss/${use}`) });
}
