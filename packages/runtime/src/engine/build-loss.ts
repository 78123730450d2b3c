import type { ComponentContext, Loss, LossSpec } from '../contracts';
import { ConfigError } from '../errors';
import type { Registry } from '../registry';

/** Builds one loss from a config spec (`use`, optional `weight`, options). The weight is not applied here. */
export function buildLoss(registry: Registry, context: ComponentContext, spec: LossSpec): Loss {
  const { use, weight: _weight, ...rest } = spec;
  const definition = registry.get('losses', use);
  const parsed = definition.options.safeParse(rest);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue: { path: PropertyKey[]; message: string }) => ({ path: `loss ${use}${issue.path.length ? `.${issue.path.join('.')}` : ''}`, message: issue.message })));
  }
  return definition.create(parsed.data, { ...context, rng: context.rng.fork(`loss/${use}`) });
}
