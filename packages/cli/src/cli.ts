import { parseArgs } from 'node:util';
import {
  ConfigError,
  RUNTIME_VERSION,
  CoreError,
  componentKindLabels,
  createProgressReporter,
  createRegistry,
  describeFileSystemError,
  findInstalledPlugins,
  loadPlugins,
  prepareConfig,
  resumeRun,
  runPipeline,
  type ComponentKind,
  type Registry,
  type RunSummary,
  type TextStream,
} from '@core/runtime';
import { describeOptions } from './describe-options';
import { version } from '../package.json';

/** Exit codes of `core-run`. */
export const exitCodes = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;


const help = `core-run — run pipelines of @core plugins from a config file

Usage:
  core-run run <config.yaml> [--run-dir <dir>] [--json]
      Validate the config, then run every step in a new run directory
      (<output>/<name>-<timestamp>, next to the config). Ctrl-C (or SIGTERM)
      writes a checkpoint and stops.
  core-run validate <config.yaml>
      Check the whole config (plugins, steps, component options) without running it.
  core-run resume <run-dir> [--json]
      Continue an interrupted or failed run from its last good checkpoint.
      One process at a time may run or resume a run directory.
  core-run list [--plugin <package>]... [--json]
      Show the loaded plugins' components and their options with defaults.
      Without --plugin, lists the built-ins and every installed plugin package
      (those whose package.json has the keyword "core-plugin").

Options:
  --json        JSON lines on stderr instead of a progress bar (the default when not a terminal)
  --run-dir     directory for the new run (must not exist)
  --debug       print the stack trace of an error
  -h, --help    show this help
  -v, --version show the versions of @core/cli and @core/runtime

Exit codes: 0 done, 1 failed, 2 invalid config or usage, 130 interrupted (resume it).
Examples:
  core-run run examples/quickstart.yaml
  core-run resume examples/runs/quickstart-20260101-120000
`;

/** Where `core-run` writes. */
export interface CliIo {
  stdout: TextStream;
  stderr: TextStream;
}

function write(stream: TextStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

function formatSummary(summary: RunSummary): string {
  const lines = [`\nsummary (${summary.seconds.toFixed(1)} s, backend ${summary.backend?.name}):`];
  for (const [id, step] of Object.entries(summary.steps)) {
    const metrics = Object.entries(step.metrics ?? {})
      .filter(([name]) => /accuracy|loss$|recall|return|flops|params/.test(name) && !name.startsWith('loss_'))
      .map(([name, value]) => `${name} ${/params|flops/.test(name) ? value.toLocaleString('en-US') : value.toFixed(4)}`)
      .join(', ');
    lines.push(`  ${id.padEnd(12)} ${step.status.padEnd(6)} ${metrics}`);
  }
  lines.push(`results: ${summary.runDirectory}/summary.json, report: ${summary.runDirectory}/report.md`);
  return lines.join('\n');
}

function handleError(caught: unknown, io: CliIo, debug = false): number {
  const error = describeFileSystemError(caught);
  if (debug) write(io.stderr, describeStack(caught));
  if (ConfigError.isInstance(error)) {
    write(io.stderr, `error: invalid config\n${error.message}`);
    return exitCodes.invalid;
  }
  if (CoreError.isInstance(error) && error.code === 'E_RUN_INTERRUPTED') {
    write(io.stderr, `\n${error.message}`);
    return exitCodes.interrupted;
  }
  if (CoreError.isInstance(error) || (error as { code?: string })?.code?.startsWith?.('E_')) {
    write(io.stderr, `error [${(error as CoreError).code}]: ${(error as Error).message}`);
    return exitCodes.failed;
  }
  if (debug) return exitCodes.failed;
  write(io.stderr, `error: ${(error as Error)?.message ?? String(error)} (run again with --debug for the stack trace)`);
  return exitCodes.failed;
}

function describeStack(error: unknown): string {
  const lines: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; current = (current as { cause?: unknown })?.cause, depth += 1) {
    lines.push(`${depth === 0 ? '' : 'caused by: '}${(current as Error)?.stack ?? String(current)}`);
  }
  return lines.join('\n');
}

async function listComponents(registry: Registry, io: CliIo, json: boolean): Promise<void> {
  const kinds = Object.keys(componentKindLabels) as ComponentKind[];
  if (json) {
    const output = Object.fromEntries(
      kinds.map((kind) => [
        kind,
        registry.entries(kind).map((entry) => ({
          key: entry.key,
          plugin: entry.plugin,
          description: (entry.definition as { description?: string }).description,
          options: describeOptions((entry.definition as unknown as { options: never }).options),
        })),
      ]),
    );
    write(io.stdout, JSON.stringify({ plugins: registry.plugins().map((plugin) => plugin.meta), components: output }, null, 2));
    return;
  }
  const lines: string[] = ['plugins: ' + registry.plugins().map((plugin) => `${plugin.meta.name}@${plugin.meta.version}`).join(', ')];
  for (const kind of kinds) {
    const entries = registry.entries(kind);
    if (entries.length === 0) continue;
    lines.push('', `${kind}:`);
    for (const entry of entries.sort((left, right) => left.key.localeCompare(right.key))) {
      const description = (entry.definition as { description?: string }).description;
      lines.push(`  ${entry.key}${description ? `  — ${description}` : ''}`);
      for (const option of describeOptions((entry.definition as unknown as { options: never }).options)) {
        const defaultText = option.default !== undefined ? ` = ${JSON.stringify(option.default)}` : option.required ? ' (required)' : '';
        lines.push(`      ${option.name}: ${option.type}${defaultText}`);
      }
    }
  }
  write(io.stdout, lines.join('\n'));
}

/**
 * Runs `core-run` with the given arguments (without `node` and the script) and returns the exit
 * code. Installs a SIGINT handler for `run` and `resume`: the first Ctrl-C checkpoints and stops,
 * the second exits at once.
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        json: { type: 'boolean' },
        'run-dir': { type: 'string' },
        debug: { type: 'boolean' },
        plugin: { type: 'string', multiple: true },
      },
    });
  } catch (error) {
    write(io.stderr, `error: ${(error as Error).message}\n\n${help}`);
    return exitCodes.invalid;
  }
  const { values, positionals } = parsed;
  const [command, target, ...extra] = positionals;
  if (values.version) {
    write(io.stdout, `${version} (@core/runtime ${RUNTIME_VERSION})`);
    return exitCodes.ok;
  }
  if (values.help || !command || command === 'help') {
    write(command || values.help ? io.stdout : io.stderr, help);
    return command || values.help ? exitCodes.ok : exitCodes.invalid;
  }
  if (extra.length > 0) {
    write(io.stderr, `error: unexpected arguments: ${extra.join(' ')}\n\n${help}`);
    return exitCodes.invalid;
  }
  const needsTarget = ['run', 'validate', 'resume'];
  if (needsTarget.includes(command) && !target) {
    write(io.stderr, `error: "${command}" needs ${command === 'resume' ? 'a run directory' : 'a config file'}\n\n${help}`);
    return exitCodes.invalid;
  }
  try {
    switch (command) {
      case 'validate': {
        const prepared = await prepareConfig(target);
        write(io.stdout, `${target}: valid (${prepared.steps.length} steps: ${prepared.steps.map((step) => `${step.id} (${step.use})`).join(', ')})`);
        return exitCodes.ok;
      }
      case 'run':
      case 'resume': {
        const controller = new AbortController();
        let interrupts = 0;
        const onSigint = () => {
          interrupts += 1;
          if (interrupts === 1) {
            write(io.stderr, '\nstopping: writing a checkpoint after the current batch (Ctrl-C again to quit at once)…');
            controller.abort();
          } else {
            process.exit(exitCodes.interrupted);
          }
        };
        process.on('SIGINT', onSigint);
        // A service manager's stop (SIGTERM) is handled as Ctrl-C: checkpoint, then stop.
        process.on('SIGTERM', onSigint);
        try {
          const events = createProgressReporter({ stream: io.stderr, json: values.json });
          const summary =
            command === 'run'
              ? await runPipeline(target, { events, signal: controller.signal, runDirectory: values['run-dir'] })
              : await resumeRun(target, { events, signal: controller.signal });
          write(io.stdout, formatSummary(summary));
          return exitCodes.ok;
        } finally {
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigint);
        }
      }
      case 'list': {
        const names = values.plugin ?? findInstalledPlugins();
        const { plugins, issues } = await loadPlugins(names);
        const registry = createRegistry({ plugins });
        for (const issue of issues) write(io.stderr, `warning: ${issue.message}`);
        await listComponents(registry.freeze(), io, values.json === true);
        return exitCodes.ok;
      }
      default:
        write(io.stderr, `error: unknown command "${command}"\n\n${help}`);
        return exitCodes.invalid;
    }
  } catch (error) {
    return handleError(error, io, values.debug === true);
  }
}
