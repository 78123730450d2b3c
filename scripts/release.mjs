#!/usr/bin/env node
// The release command (`pnpm release`): builds every package, runs the package checks, publishes
// each public package whose version is not on the registry yet (`pnpm -r publish`), then tags the
// released versions in git (`changeset tag`). Run `pnpm version-packages` (changeset version)
// before it.
//
//   pnpm release                          publish to the registry configured for pnpm
//   pnpm release --registry <url>         publish to <url> (e.g. a local Verdaccio)
//   pnpm release --provenance             the release job in CI: signed provenance statements
//   pnpm release --tag next               publish under a dist-tag other than latest
//
// pnpm 12 reads `pnpm_config_*` variables and .npmrc, but ignores `npm_config_registry`: with only
// that set, a plain `pnpm publish` goes to the public registry. This script takes the registry from
// --registry, pnpm_config_registry or npm_config_registry (in that order) and hands it to pnpm.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * The publish plan for `argv` and `env`: the registry to publish to (undefined: pnpm's own
 * configuration), the `pnpm -r publish` arguments and the environment for it.
 */
export function releasePlan(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      registry: { type: 'string' },
      provenance: { type: 'boolean', default: false },
      tag: { type: 'string', default: 'latest' },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const fromPnpm = env.pnpm_config_registry;
  const fromNpm = env.npm_config_registry;
  if (!values.registry && fromPnpm && fromNpm && fromPnpm.replace(/\/$/, '') !== fromNpm.replace(/\/$/, '')) {
    throw new Error(`pnpm_config_registry (${fromPnpm}) and npm_config_registry (${fromNpm}) differ; say which one with --registry <url>.`);
  }
  const registry = values.registry ?? fromPnpm ?? fromNpm;
  const publishArguments = ['-r', 'publish', '--access', 'public', '--no-git-checks', '--tag', values.tag];
  if (values.provenance) publishArguments.push('--provenance');
  const publishEnv = { ...env };
  if (registry) {
    publishEnv.pnpm_config_registry = registry;
    publishEnv.npm_config_registry = registry;
    publishArguments.push('--registry', registry);
  }
  return { registry, provenance: values.provenance, build: !values['skip-build'], publishArguments, publishEnv };
}

function run(command, args, options) {
  process.stdout.write(`$ ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    process.stderr.write(`release: "${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  let plan;
  try {
    plan = releasePlan(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`release: ${error.message}\n`);
    process.exit(2);
  }
  process.stdout.write(`release: publishing to ${plan.registry ?? "the registry in pnpm's configuration"}${plan.provenance ? ', with provenance' : ''}\n`);
  if (plan.build) run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root });
  run(process.execPath, [path.join(root, 'scripts', 'check-packages.mjs')], { cwd: root });
  run('pnpm', plan.publishArguments, { cwd: root, env: plan.publishEnv });
  run('pnpm', ['exec', 'changeset', 'tag'], { cwd: root });
}
