/**
 * args: argv into options and positionals against a table of option specs
 * (`--name value`, `--name=value`, flags, whole numbers, choices, `--`).
 * Raises RelayError EARGS naming the option and what it takes.
 */
import { RelayError } from '../core/errors/relay-error.js';

export interface OptionSpec {
  type: 'string' | 'boolean' | 'int';
  /** Placeholder in help, e.g. "HOST". */
  value?: string;
  help: string;
  choices?: readonly string[];
  /** Smallest accepted whole number (int only); default 1. */
  min?: number;
}

export type OptionValue = string | number | boolean;

export interface ParsedArgs {
  options: Record<string, OptionValue | undefined>;
  positionals: string[];
}

const argsError = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });

export function parseCommandLine(argv: readonly string[], specs: Readonly<Record<string, OptionSpec>>, command: string): ParsedArgs {
  const options: Record<string, OptionValue | undefined> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] === '-h' ? '--help' : argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) throw argsError(`${command}: unknown option ${arg} (see relaywatch ${command} --help)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw argsError(`${command}: unknown option --${name} (see relaywatch ${command} --help)`);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw argsError(`${command}: --${name} takes no value`);
      options[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || raw.startsWith('--')) throw argsError(`${command}: --${name} needs a value (${spec.value ?? 'VALUE'})`);
      i++;
    }
    if (options[name] !== undefined) throw argsError(`${command}: --${name} given twice`);
    options[name] = convert(command, name, spec, raw);
  }
  return { options, positionals };
}

function convert(command: string, name: string, spec: OptionSpec, raw: string): OptionValue {
  if (spec.type === 'int') {
    const min = spec.min ?? 1;
    if (!/^\d{1,15}$/.test(raw) || Number(raw) < min) {
      throw argsError(`${command}: --${name} must be a whole number of at least ${min}, not "${raw.slice(0, 40)}"`);
    }
    return Number(raw);
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    throw argsError(`${command}: --${name} must be one of ${spec.choices.join(', ')}, not "${raw.slice(0, 40)}"`);
  }
  return raw;
}

/** Typed access to parsed options (the spec table already checked the types). */
export const opt = {
  str: (a: ParsedArgs, name: string): string | undefined => {
    const v = a.options[name];
    return typeof v === 'string' ? v : undefined;
  },
  int: (a: ParsedArgs, name: string): number | undefined => {
    const v = a.options[name];
    return typeof v === 'number' ? v : undefined;
  },
  bool: (a: ParsedArgs, name: string): boolean => a.options[name] === true,
};
