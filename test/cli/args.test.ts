/** The operator commands' argument parser: forms, types, and one-line errors naming the option. */
import { describe, expect, it } from 'vitest';
import { opt, parseCommandLine, type OptionSpec } from '../../cli/args.js';

const specs: Record<string, OptionSpec> = {
  host: { type: 'string', value: 'HOST', help: '' },
  mid: { type: 'int', value: 'N', help: '' },
  rid: { type: 'int', value: 'N', min: 0, help: '' },
  sort: { type: 'string', choices: ['active', 'down'], help: '' },
  all: { type: 'boolean', help: '' },
  help: { type: 'boolean', help: '' },
};
const parse = (...argv: string[]) => parseCommandLine(argv, specs, 'cmd');

describe('parseCommandLine', () => {
  it('reads --name value, --name=value, flags and positionals in any order', () => {
    const a = parse('a.example:25', '--mid', '7', '--all', '--host=h:25', '--rid=0');
    expect(a.positionals).toEqual(['a.example:25']);
    expect(a.options).toEqual({ mid: 7, all: true, host: 'h:25', rid: 0 });
    expect(opt.int(a, 'mid')).toBe(7);
    expect(opt.str(a, 'host')).toBe('h:25');
    expect(opt.bool(a, 'all')).toBe(true);
    expect(opt.bool(a, 'help')).toBe(false);
  });

  it('takes -h as --help and everything after -- as positionals', () => {
    expect(parse('-h').options.help).toBe(true);
    expect(parse('--', '--mid', '-x').positionals).toEqual(['--mid', '-x']);
  });

  it('names the option in every error', () => {
    expect(() => parse('--nope')).toThrow(/^cmd: unknown option --nope/);
    expect(() => parse('-x')).toThrow(/unknown option -x/);
    expect(() => parse('--mid')).toThrow(/--mid needs a value \(N\)/);
    expect(() => parse('--mid', '--all')).toThrow(/--mid needs a value/);
    expect(() => parse('--mid', 'abc')).toThrow(/--mid must be a whole number of at least 1, not "abc"/);
    expect(() => parse('--mid', '0')).toThrow(/--mid must be a whole number/);
    expect(() => parse('--mid', '1.5')).toThrow(/--mid/);
    expect(() => parse('--sort', 'up')).toThrow(/--sort must be one of active, down, not "up"/);
    expect(() => parse('--all=yes')).toThrow(/--all takes no value/);
    expect(() => parse('--host', 'a:1', '--host', 'b:1')).toThrow(/--host given twice/);
    expect(() => parse('--constructor', 'x')).toThrow(/unknown option --constructor/);
    try {
      parse('--nope');
    } catch (e) {
      expect(e).toMatchObject({ code: 'EARGS' });
    }
  });
});
