/**
 * command-types: an operator command as a row of the command table
 * (CommandSpec), and the context it runs with (client, arguments, output, signal).
 */
import type { OptionSpec, ParsedArgs } from '../args.js';
import type { ControlClient } from '../../core/control/client/client.js';

export interface CommandContext {
  client: ControlClient;
  args: ParsedArgs;
  /** Positionals after the command words (e.g. HOST). */
  operands: string[];
  json: boolean;
  out(text: string): void;
  /** Aborted on Ctrl-C: streaming commands (--follow, --wait) end cleanly. */
  signal: AbortSignal;
  now(): number;
  /** Reads a file named on the command line (config set FILE). */
  readFile(path: string): Promise<string>;
}

export interface CommandSpec {
  /** One or two words: "tophosts", "config get". */
  name: string;
  summary: string;
  /** Required operands, e.g. [{ name: 'HOST', help: 'host:port as configured' }]. */
  operands?: readonly { name: string; help: string }[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** Extra lines for `relaywatch <command> --help`. */
  notes?: string;
  /** Resolves with an exit status other than 0 when it has one to report (130: interrupted). */
  run(ctx: CommandContext): Promise<number | void>;
}

/** Prints one JSON document (the `--json` contract). */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}
