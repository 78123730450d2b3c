import type { ComponentKind, Plugin } from './contracts';
import { didYouMean } from './did-you-mean';
import { CoreError, PluginIncompatibleError, UnknownComponentError } from './errors';
import { corePlugin } from './builtins/core-plugin';
import { registerPluginLayers } from './plugin-layers';
import { satisfiesRange } from './semver';
import { RUNTIME_VERSION } from './version';

/** Singular names of component kinds, for messages. */
export const componentKindLabels: Record<ComponentKind, string> = {
  models: 'model',
  losses: 'loss',
  trainers: 'trainer',
  steps: 'step',
  datasets: 'dataset',
  environments: 'environment',
};

const componentKinds = Object.keys(componentKindLabels) as ComponentKind[];

/** Definition type stored under a component kind. */
export type DefinitionOf<K extends ComponentKind> = NonNullable<Plugin[K]>[string];

/** Registered component with its namespaced key and owning plugin. */
export interface RegisteredComponent<K extends ComponentKind = ComponentKind> {
  key: string;
  kind: K;
  plugin: string;
  definition: DefinitionOf<K>;
}

/**
 * Holds the plugins of one run. Make one with {@link createRegistry}; there is no global registry.
 */
export interface Registry {
  /** Adds a plugin's components under `<meta.name>:<key>`. Throws when frozen, incompatible or duplicated. */
  use(plugin: Plugin): Registry;
  /** Forbids further `use` calls (the runner freezes before validating). */
  freeze(): Registry;
  readonly frozen: boolean;
  /** The definition registered under `key`, or an {@link UnknownComponentError} with a suggestion. */
  get<K extends ComponentKind>(kind: K, key: string): DefinitionOf<K>;
  /** Whether `key` is registered under `kind`. */
  has(kind: ComponentKind, key: string): boolean;
  /** Registered keys of a kind, sorted. */
  keys(kind: ComponentKind): string[];
  /** All registered components of a kind. */
  entries<K extends ComponentKind>(kind: K): RegisteredComponent<K>[];
  /** The plugins in the order they were added. */
  plugins(): Plugin[];
  /**
   * The full key of a dataset given by its short name (`mnist` → `core:mnist`), from the aliases
   * the loaded plugins declare; a full key or an unknown name is returned unchanged.
   */
  resolveDatasetKey(name: string): string;
  /** Short dataset names and the keys they stand for. */
  datasetAliases(): Record<string, string>;
}

/** Options of {@link createRegistry}. */
export interface CreateRegistryOptions {
  /** Plugins to add right away (after the built-in `core` plugin unless `core: false`). */
  plugins?: Plugin[];
  /** Include the built-in `core` plugin (default true). */
  core?: boolean | Plugin;
}

/**
 * Creates an empty registry holding the built-in `core` plugin. Registration is explicit:
 * `createRegistry().use(plugin)`; importing a plugin package registers nothing.
 */
export function createRegistry(options: CreateRegistryOptions = {}): Registry {
  const components = new Map<ComponentKind, Map<string, RegisteredComponent>>(componentKinds.map((kind) => [kind, new Map()]));
  const plugins: Plugin[] = [];
  const aliases = new Map<string, string>();
  let frozen = false;

  const registry: Registry = {
    get frozen() {
      return frozen;
    },
    use(plugin) {
      if (frozen) {
        throw new CoreError('E_REGISTRY_FROZEN', `cannot add plugin "${plugin?.meta?.name}": the registry is frozen. Add every plugin before the run validates its config.`);
      }
      validatePluginShape(plugin);
      const name = plugin.meta.name;
      if (plugins.some((existing) => existing.meta.name === name)) {
        throw new PluginIncompatibleError(name, `plugin "${name}" is already registered; each plugin may be used once per registry.`);
      }
      if (!satisfiesRange(RUNTIME_VERSION, plugin.meta.runtime)) {
        throw new PluginIncompatibleError(
          name,
          `plugin "${name}" ${plugin.meta.version} needs @core/runtime ${plugin.meta.runtime}, but this is ${RUNTIME_VERSION}. Install a version of "${name}" built for runtime ${RUNTIME_VERSION}, or a runtime in ${plugin.meta.runtime}.`,
        );
      }
      const added: Array<[ComponentKind, RegisteredComponent]> = [];
      const addedAliases: Array<[string, string]> = [];
      for (const kind of componentKinds) {
        const section = plugin[kind] as Record<string, unknown> | undefined;
        if (!section) continue;
        const table = components.get(kind)!;
        for (const [key, definition] of Object.entries(section)) {
          const fullKey = `${name}:${key}`;
          if (table.has(fullKey) || added.some(([addedKind, entry]) => addedKind === kind && entry.key === fullKey)) {
            throw new PluginIncompatibleError(name, `${componentKindLabels[kind]} "${fullKey}" is registered twice.`);
          }
          added.push([kind, { key: fullKey, kind, plugin: name, definition: definition as DefinitionOf<typeof kind> }]);
          if (kind === 'datasets') {
            for (const alias of (definition as { aliases?: readonly string[] }).aliases ?? []) {
              const taken = aliases.get(alias) ?? addedAliases.find(([existing]) => existing === alias)?.[1];
              if (taken !== undefined) {
                throw new PluginIncompatibleError(name, `dataset alias "${alias}" of "${fullKey}" is already the alias of "${taken}"; configs could not tell them apart. Remove the alias; the full key "${fullKey}" always works.`);
              }
              addedAliases.push([alias, fullKey]);
            }
          }
        }
      }
      // Layers first: a collision there must leave the registry unchanged.
      registerPluginLayers(plugin);
      for (const [kind, entry] of added) components.get(kind)!.set(entry.key, entry);
      for (const [alias, key] of addedAliases) aliases.set(alias, key);
      plugins.push(plugin);
      return registry;
    },
    freeze() {
      frozen = true;
      return registry;
    },
    get(kind, key) {
      const found = components.get(kind)!.get(key);
      if (found) return found.definition as DefinitionOf<typeof kind>;
      const available = registry.keys(kind);
      const label = componentKindLabels[kind];
      const namespace = key.includes(':') ? key.slice(0, key.indexOf(':')) : undefined;
      const hint = namespace !== undefined && !plugins.some((plugin) => plugin.meta.name === namespace)
        ? `Plugin "${namespace}" is not loaded: add "@core/${namespace}" (or its package name) to "plugins". `
        : key.includes(':') ? '' : 'Keys are namespaced as "<plugin>:<name>". ';
      throw new UnknownComponentError(
        label,
        key,
        available,
        `unknown ${label} "${key}". ${didYouMean(key, available)}${hint}Loaded ${label === 'loss' ? 'losses' : `${label}s`}: ${available.join(', ') || '(none)'}.`,
      );
    },
    has(kind, key) {
      return components.get(kind)!.has(key);
    },
    keys(kind) {
      return [...components.get(kind)!.keys()].sort();
    },
    entries(kind) {
      return [...components.get(kind)!.values()] as RegisteredComponent<typeof kind>[];
    },
    plugins() {
      return [...plugins];
    },
    resolveDatasetKey(name) {
      return aliases.get(name) ?? name;
    },
    datasetAliases() {
      return Object.fromEntries(aliases);
    },
  };

  const core = options.core ?? true;
  if (core !== false) {
    registry.use(core === true ? corePlugin : core);
  }
  for (const plugin of options.plugins ?? []) registry.use(plugin);
  return registry;
}

function validatePluginShape(plugin: Plugin): void {
  const name = plugin?.meta?.name;
  if (typeof plugin !== 'object' || plugin === null || typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new PluginIncompatibleError(String(name), `not a plugin: expected definePlugin({ meta: { name, version, runtime }, ... }) with a lower-case name, got ${describe(plugin)}.`);
  }
  if (typeof plugin.meta.version !== 'string' || typeof plugin.meta.runtime !== 'string') {
    throw new PluginIncompatibleError(name, `plugin "${name}" must declare meta.version and meta.runtime (a semver range of @core/runtime).`);
  }
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
}
