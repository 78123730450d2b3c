export { exitCodes, runCli, type CliIo } from './cli';
export { describeOptions, type OptionDescription } from './describe-options';
