"""`squall completion bash|zsh|fish`: a completion script for the shell, made from the command
line's own parser (its subcommands and each one's options), so it never drifts from it.

    source <(squall completion bash)        # or: squall completion fish | source
"""
from __future__ import annotations

import argparse


def words_of(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Each subcommand's options ('' holds the subcommands and the top-level options)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    top = [o for a in parser._actions for o in a.option_strings]
    found = {"": sorted(sub.choices) + top}
    for name, command in sub.choices.items():
        found[name] = sorted({o for a in command._actions for o in a.option_strings if a.help != argparse.SUPPRESS})
    return found


def bash(words: dict[str, list[str]]) -> str:
    cases = "\n".join(f'        {name}) options="{" ".join(options)}" ;;' for name, options in words.items() if name)
    return f'''# squall completion for bash: source <(squall completion bash)
_squall() {{
    local current="${{COMP_WORDS[COMP_CWORD]}}" command="" options=""
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ "${{COMP_WORDS[i]}}" != -* ]] && {{ command="${{COMP_WORDS[i]}}"; break; }}
    done
    case "$command" in
{cases}
        *) options="{" ".join(words[""])}" ;;
    esac
    if [[ "$current" == -* || -z "$command" ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$current"))
    else
        COMPREPLY=($(compgen -f -- "$current"))
    fi
}}
complete -o default -F _squall squall
'''


def zsh(words: dict[str, list[str]]) -> str:
    return "#compdef squall\n# squall completion for zsh: source <(squall completion zsh)\n" \
        "autoload -U +X bashcompinit && bashcompinit\n" + bash(words)


def fish(words: dict[str, list[str]]) -> str:
    lines = ["# squall completion for fish: squall completion fish | source", "complete -c squall -f"]
    commands = [w for w in words[""] if not w.startswith("-")]
    lines += [f"complete -c squall -n __fish_use_subcommand -a {name}" for name in commands]
    for name, options in words.items():
        for option in options if name else ():
            flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
            lines.append(f"complete -c squall -n '__fish_seen_subcommand_from {name}' {flag}")
    return "\n".join(lines) + "\n"


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}
