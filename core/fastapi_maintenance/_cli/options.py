"""Driver options given on the command line: ``key=value`` parsing and the 0.0.5 flags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Options that have a dedicated flag, kept from fastapi-maintenance 0.0.5. A flag that does
#: not apply to the chosen driver is ignored with a warning, as 0.0.5 ignored it.
FLAGS = {"var_name": "--var-name", "file_path": "--file-path"}


def parse_option(text: str) -> tuple[str, str]:
    """Split one ``key=value`` at its first ``=``; the key must be a Python identifier.

    The value is kept as given (it may be empty or hold more ``=``); drivers accept strings.
    """
    key, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"expected key=value, e.g. check_interval=2; got {text!r}")
    if not key.isidentifier():
        raise ValueError(
            f"expected key=value with a key made of letters, digits and underscores "
            f"(not starting with a digit), e.g. check_interval=2; got {text!r}"
        )
    return key, value


def parse_options(texts: Iterable[str]) -> dict[str, str]:
    """Parse repeated ``--option key=value``; a key given twice is an error, not an override."""
    options: dict[str, str] = {}
    for text in texts:
        key, value = parse_option(text)
        if key in options:
            raise ValueError(f"option {key!r} is given twice")
        options[key] = value
    return options


def refuse_doubles(options: Mapping[str, str], flags: Mapping[str, str | None]) -> None:
    """Refuse a dedicated flag and an ``--option`` pair giving the same option."""
    for key, value in flags.items():
        if value is not None and key in options:
            raise ValueError(f"{key} is given both as {FLAGS[key]} and as --option {key}=...")
