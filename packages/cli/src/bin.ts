#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { findLocalInstall, ownPackageDirectory, projectDirectories, runtimeOnlyMessage } from './local-install';

// Decides before anything heavy loads: the runtime and TensorFlow.js come in with './cli'.
async function main(argv: string[]): Promise<number | undefined> {
  const handedOff = process.env.CORE_RUN_HANDED_OFF === '1';
  const local = handedOff || process.env.CORE_RUN_GLOBAL === '1' ? undefined : findLocalInstall(projectDirectories(argv), ownPackageDirectory(import.meta.url));
  if (local?.kind === 'cli') {
    // A global (or other) core-run beside a project that installs its own: run the project's, in
    // this process, so its plugins, runtime and TensorFlow.js load once.
    process.env.CORE_RUN_HANDED_OFF = '1';
    if (!argv.includes('--json')) process.stderr.write(`core-run: using this project's @core/cli ${local.version} (${local.directory})\n`);
    await import(pathToFileURL(local.bin).href);
    return undefined;
  }
  if (local?.kind === 'runtime-only' && !['-h', '--help', '-v', '--version', 'help'].some((flag) => argv.includes(flag))) {
    process.stderr.write(`error: ${runtimeOnlyMessage(local)}\n`);
    return 2;
  }
  const { runCli } = await import('./cli');
  return runCli(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`core-run: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
