"""``videogate completion bash|zsh|fish``: a static completion script for the shell.

The script is generated from the commands' own parsers, so it lists exactly the commands,
actions and options that exist, and the values of options that take one of a few: their
choices, and for ``--provider`` the providers installed and configured when the script was
made (make it again after installing a plugin). Nothing runs at completion time and
``videogate --help`` stays as fast as before.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterable

__all__ = ["EXAMPLES", "configure", "run", "script"]

EXAMPLES = """
  eval "$(videogate completion bash)"                       # in ~/.bashrc
  eval "$(videogate completion zsh)"                        # in ~/.zshrc
  videogate completion fish > ~/.config/fish/completions/videogate.fish
"""

SHELLS = ("bash", "zsh", "fish")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


Spec = dict[str, tuple[str, list[tuple[str, str]], list[str]]]


def _provider_names() -> list[str]:
    """The providers installed and configured now (none if that cannot be read)."""
    from videogate._contract.errors import VideogateError
    from videogate._plugins.config import load_config
    from videogate._plugins.registry import load_registry

    names = set(load_registry().providers)
    with contextlib.suppress(VideogateError):  # a broken config: the installed names only
        names |= set(load_config().providers)
    return sorted(names)


def _with_subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(action.choices.values())
    return found


def _values(parsers: Iterable[argparse.ArgumentParser]) -> dict[str, list[str]]:
    """option -> the values it takes, for options with choices and ``--provider``."""
    values: dict[str, list[str]] = {}
    providers: list[str] | None = None
    for parser in (p for top in parsers for p in _with_subparsers(top)):
        for action in parser._actions:
            if not action.option_strings:
                continue
            if action.choices is not None:
                choices = [str(c) for c in action.choices]
            elif action.dest == "provider":
                providers = _provider_names() if providers is None else providers
                choices = providers
            else:
                continue
            for option in action.option_strings:
                values[option] = list(dict.fromkeys([*values.get(option, []), *choices]))
    return values


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """command -> its parser (commands whose module cannot be imported are left out)."""
    from videogate._cli import COMMANDS, command_parser

    parsers = {}
    for name in COMMANDS:
        try:
            _, parsers[name] = command_parser(name)
        except ImportError:
            continue
    return parsers


def _spec(parsers: dict[str, argparse.ArgumentParser]) -> Spec:
    """command -> (help, [(option, help)], [actions])."""
    from videogate._cli import COMMANDS

    spec = {}
    for name, parser in parsers.items():
        help_text = COMMANDS[name][1]
        options: list[tuple[str, str]] = []
        actions: list[str] = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                actions.extend(action.choices)
                for sub in action.choices.values():
                    options.extend(
                        (s, a.help or "") for a in sub._actions for s in a.option_strings
                    )
                continue
            options.extend((s, action.help or "") for s in action.option_strings)
        spec[name] = (help_text, list(dict.fromkeys(options)), actions)
    return spec


def _bash(spec: Spec, values: dict[str, list[str]]) -> str:
    cases = "\n".join(
        f'        {name}) words="{" ".join(actions + [o for o, _ in options])}" ;;'
        for name, (_, options, actions) in spec.items()
    )
    by_values: dict[tuple[str, ...], list[str]] = {}
    for option, choices in values.items():
        by_values.setdefault(tuple(choices), []).append(option)
    value_cases = "\n".join(
        f'        {"|".join(options)}) words="{" ".join(choices)}" ;;'
        for choices, options in by_values.items()
    )
    return f"""# videogate completion for bash (eval "$(videogate completion bash)")
_videogate() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" cmd="" words i
    case "$prev" in
{value_cases}
        *) words="-" ;;
    esac
    if [[ "$words" != "-" ]]; then
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return
    fi
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in -*) ;; *) cmd="${{COMP_WORDS[i]}}"; break ;; esac
    done
    case "$cmd" in
        "") words="{" ".join(spec)} --help --version -v -q" ;;
{cases}
        *) words="" ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    if [[ ${{#COMPREPLY[@]}} -eq 0 ]]; then COMPREPLY=($(compgen -f -- "$cur")); fi
}}
complete -o default -F _videogate videogate
"""


def _zsh(spec: Spec, values: dict[str, list[str]]) -> str:
    return (
        '# videogate completion for zsh (eval "$(videogate completion zsh)")\n'
        "autoload -U +X compinit && compinit\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + _bash(spec, values)
    )


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(spec: Spec, values: dict[str, list[str]]) -> str:
    lines = ["# videogate completion for fish", "complete -c videogate -f"]
    for name, (help_text, options, actions) in spec.items():
        lines.append(
            f"complete -c videogate -n __fish_use_subcommand -a {name} -d {_fish_quote(help_text)}"
        )
        seen = f"__fish_seen_subcommand_from {name}"
        for action in actions:
            lines.append(f"complete -c videogate -n '{seen}' -a {action}")
        for option, help_option in options:
            flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
            first_line = help_option.split("\n")[0][:80]
            takes = ""
            if option in values:
                takes = f" -x -a {_fish_quote(' '.join(values[option]))}"
            lines.append(
                f"complete -c videogate -n '{seen}' {flag}{takes} -d {_fish_quote(first_line)}"
            )
    return "\n".join(lines) + "\n"


def script(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish)."""
    parsers = _parsers()
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](
        _spec(parsers), _values(parsers.values())
    )


def run(args: argparse.Namespace) -> int:
    """Print the script."""
    print(script(args.shell), end="")
    return 0
