import { version } from '../package.json';

/**
 * Version of `@core/runtime`, read from its package.json when the package is built (never typed by
 * hand, so it cannot drift from the published version); plugins declare a compatible range in
 * `meta.runtime`, which {@link createRegistry} checks against it.
 */
export const RUNTIME_VERSION: string = version;
