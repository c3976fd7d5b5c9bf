import type { Command, Option } from 'commander';
import { UserError } from './errors.js';

/**
 * Shell completion scripts generated from the commander program itself, so they never fall behind the commands:
 * `cctv completion bash|zsh|fish`. bash completes commands, subcommands, options and option choices; zsh loads the
 * bash function through bashcompinit; fish gets one `complete` line per command and option.
 */

interface Node {
  /** The words from the program to this command (`['user', 'add']`; `[]` for the program). */
  path: string[];
  description: string;
  subcommands: string[];
  options: { flag: string; description: string; choices: readonly string[] | undefined; takesValue: boolean }[];
}

const visible = (c: Command) => !(c as unknown as { _hidden?: boolean })._hidden;

function walk(cmd: Command, path: string[], out: Node[]): Node[] {
  const opts = (cmd.options as readonly Option[]).filter((o) => o.long && !o.hidden);
  out.push({
    path,
    description: cmd.description(),
    subcommands: cmd.commands.filter(visible).map((c) => c.name()),
    options: [
      ...opts.map((o) => ({ flag: o.long!, description: o.description, choices: o.argChoices, takesValue: o.required || o.optional })),
      { flag: '--help', description: 'show help', choices: undefined, takesValue: false },
    ],
  });
  for (const c of cmd.commands.filter(visible)) walk(c, [...path, c.name()], out);
  return out;
}

const fn = (name: string) => `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_completion`;
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(program: Command): string {
  const nodes = walk(program, [], []);
  const name = program.name();
  const cases = nodes.map((n) => {
    const words = [...n.subcommands, ...n.options.map((o) => o.flag)].join(' ');
    const valued = n.options.filter((o) => o.takesValue);
    const values = valued.map((o) => `      ${o.flag}) COMPREPLY=($(compgen -W ${sq((o.choices ?? []).join(' '))} -- "$cur")); return ;;`).join('\n');
    return `    ${sq(n.path.join(' '))})\n      case "$prev" in\n${values}\n      esac\n      COMPREPLY=($(compgen -W ${sq(words)} -- "$cur")); return ;;`;
  });
  // Global options that take a value (their value is skipped while finding the command path).
  const globalValued = nodes[0]!.options.filter((o) => o.takesValue).map((o) => o.flag).join('|');
  return `# ${name} completion for bash: source <(${name} completion bash)
${fn(name)}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" w i
  local known=" ${nodes.filter((n) => n.path.length > 0).map((n) => n.path.join('_')).join(' ')} "
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in ${globalValued || '--none'}) ((i++)); continue ;; -*) continue ;; esac
    local next="\${path:+\${path}_}$w"
    [[ "$known" == *" $next "* ]] && path="$next"
  done
  case "\${path//_/ }" in
${cases.join('\n')}
  esac
}
complete -o default -F ${fn(name)} ${name}
`;
}

function zsh(program: Command): string {
  const name = program.name();
  return `#compdef ${name}
# ${name} completion for zsh: cctv completion zsh > "\${fpath[1]}/_${name}" (or source <(${name} completion zsh))
autoload -U +X bashcompinit && bashcompinit
${bash(program).split('\n').slice(1).join('\n')}`;
}

function fish(program: Command): string {
  const name = program.name();
  const nodes = walk(program, [], []);
  const lines = [`# ${name} completion for fish: ${name} completion fish > ~/.config/fish/completions/${name}.fish`, `complete -c ${name} -f`];
  for (const n of nodes) {
    // fish sees only the words typed: a subcommand of `user` is offered once `user` is there and none of its own is.
    const cond = n.path.length === 0
      ? `__fish_use_subcommand`
      : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}${n.subcommands.length ? `; and not __fish_seen_subcommand_from ${n.subcommands.join(' ')}` : ''}`;
    for (const c of n.subcommands) {
      const child = nodes.find((x) => x.path.join(' ') === [...n.path, c].join(' '))!;
      lines.push(`complete -c ${name} -n ${sq(cond)} -a ${c} -d ${sq(child.description.slice(0, 80))}`);
    }
    const optCond = n.path.length === 0 ? '' : `-n ${sq(`__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`)} `;
    for (const o of n.options) {
      const value = o.takesValue ? (o.choices ? ` -x -a ${sq(o.choices.join(' '))}` : ' -r') : '';
      lines.push(`complete -c ${name} ${optCond}-l ${o.flag.slice(2)}${value} -d ${sq(o.description.slice(0, 80))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script of `shell` for `program`; an unknown shell is a UserError. */
export function completionScript(program: Command, shell: string): string {
  switch (shell) {
    case 'bash': return bash(program);
    case 'zsh': return zsh(program);
    case 'fish': return fish(program);
    default: throw new UserError(`completion ${shell}: choose bash, zsh or fish`);
  }
}
