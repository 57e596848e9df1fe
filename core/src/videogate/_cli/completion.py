"""``videogate completion bash|zsh|fish``: a static completion script for the shell.

The script is generated from the commands' own parsers, so it lists exactly the commands,
actions and options that exist; nothing runs at completion time and ``videogate --help``
stays as fast as before.
"""

from __future__ import annotations

import argparse

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


def _spec() -> dict[str, tuple[str, list[tuple[str, str]], list[str]]]:
    """command -> (help, [(option, help)], [actions])."""
    from videogate._cli import COMMANDS, command_parser

    spec = {}
    for name, (_, help_text) in COMMANDS.items():
        try:
            _, parser = command_parser(name)
        except ImportError:
            continue
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


def _bash(spec: dict[str, tuple[str, list[tuple[str, str]], list[str]]]) -> str:
    cases = "\n".join(
        f'        {name}) words="{" ".join(actions + [o for o, _ in options])}" ;;'
        for name, (_, options, actions) in spec.items()
    )
    return f"""# videogate completion for bash (eval "$(videogate completion bash)")
_videogate() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" cmd="" words i
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


def _zsh(spec: dict[str, tuple[str, list[tuple[str, str]], list[str]]]) -> str:
    return (
        '# videogate completion for zsh (eval "$(videogate completion zsh)")\n'
        "autoload -U +X compinit && compinit\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + _bash(spec)
    )


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(spec: dict[str, tuple[str, list[tuple[str, str]], list[str]]]) -> str:
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
            lines.append(f"complete -c videogate -n '{seen}' {flag} -d {_fish_quote(first_line)}")
    return "\n".join(lines) + "\n"


def script(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish)."""
    spec = _spec()
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](spec)


def run(args: argparse.Namespace) -> int:
    """Print the script."""
    print(script(args.shell), end="")
    return 0
