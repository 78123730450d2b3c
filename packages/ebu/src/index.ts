import { peerDependencies, version as packageVersion } from '../package.json';
import { definePlugin } from '@core/runtime';

export * from './targets';

/** Version of this package, reported in the plugin's `meta` (read from package.json when built). */
export const version: string = packageVersion;

export const plugin = definePlugin({
  meta: { name: 'ebu', version, runtime: peerDependencies['@core/runtime'] },
});
