"""The maintenance page browsers get, and ``MaintenancePage``, which brands it.

Every value taken from the state (the message above all) is HTML-escaped before it reaches
the page; a template is the app's own text, filled in once with ``string.Template``, so
nothing in a value is ever read as a placeholder.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timezone
from string import Template
from types import MappingProxyType
from urllib.parse import urlsplit

from .._model.model import MaintenanceState

__all__ = ["PAGE_SCOPE_KEY", "TEMPLATE_VARIABLES", "MaintenancePage", "render"]

#: The scope key under which the middleware puts its ``page`` option, so that a response
#: handler calling ``maintenance_response`` gets the same branded page.
PAGE_SCOPE_KEY = "fastapi_maintenance.page"

#: What each variable of a template holds; every value is HTML-escaped, except the two that
#: are HTML this package writes (``$details`` and ``$script``).
TEMPLATE_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "title": "the page's title, else the default one for the state",
        "message": "the state's message (or the default sentence), ending with a full stop",
        "details": "the default page's paragraphs: read-only notice, end, when to retry (HTML)",
        "ends_at": "the end, as '2030-06-01 13:30 UTC'; empty without one",
        "ends_at_iso": "the end, as '2030-06-01T13:30:00+00:00'; empty without one",
        "retry_after": "the Retry-After header's seconds; empty when it is not sent",
        "read_only": "'true' in read-only mode, else 'false'",
        "logo_url": "logo_url; empty when not given",
        "stylesheet_url": "stylesheet_url; empty when not given",
        "script": "the bypass links' <script> element; empty without a bypass secret (HTML)",
    }
)

_ACCEPTED_URLS = "an http:// or https:// URL, or a path starting with '/'"
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid;
       place-items: center; background: #f6f7f9; color: #1f2328; }}
main {{ max-width: 34rem; padding: 2rem; text-align: center; }}
main > img {{ max-width: 12rem; max-height: 5rem; }}
h1 {{ font-size: 1.6rem; margin-bottom: .5rem; }}
p {{ line-height: 1.5; color: #4b5563; }}
</style>
{stylesheet}</head>
<body>
<main>
{logo}<h1>{title}</h1>
<p>{message}</p>
{details}</main>
{script}</body>
</html>
"""


@dataclass(frozen=True)
class MaintenancePage:
    """The look of the default maintenance page, without writing a ``response_handler``.

    ``title`` replaces the heading (and the browser tab's title); ``logo_url`` shows an image
    above it; ``stylesheet_url`` is linked after the page's own style, so its rules win.
    URLs are ``http://``, ``https://`` or a path starting with ``/`` (a logo may also be a
    ``data:image/`` URL). ``template`` replaces the whole page: ``string.Template`` text whose
    ``$variables`` are those of ``TEMPLATE_VARIABLES`` (``$$`` is a dollar sign).

    Mistakes are refused here, when the page is built: a URL of another kind, a template
    naming an unknown variable, an option given that the template does not use.
    """

    title: str | None = None
    logo_url: str | None = None
    stylesheet_url: str | None = None
    template: str | None = None

    def __post_init__(self) -> None:
        if self.title is not None:
            if not isinstance(self.title, str):
                raise TypeError(f"title must be a string or None; got {type(self.title).__name__}")
            if not self.title.strip():
                raise ValueError(f"title must be a non-empty string or None; got {self.title!r}")
        _check_url("logo_url", self.logo_url, images=True)
        _check_url("stylesheet_url", self.stylesheet_url, images=False)
        if self.template is not None:
            used = _variables_of(self.template)
            for option in ("title", "logo_url", "stylesheet_url"):
                if getattr(self, option) is not None and option not in used:
                    raise ValueError(
                        f"{option} is given but the template does not use ${option}; "
                        f"put ${option} where it belongs, or leave {option} out"
                    )


def render(
    page: MaintenancePage | None,
    detail: str,
    seconds: int | None,
    state: MaintenanceState | None,
    script: str = "",
) -> str:
    """The HTML page: the message, when maintenance ends, and when to come back.

    Without a ``page``, or one without a stylesheet or logo, the page loads nothing.
    ``script`` is the bypass links' script, if they are accepted.
    """
    page = page or _DEFAULT
    read_only = state is not None and state.read_only
    end = None
    if state is not None and state.ends_at is not None:
        end = state.ends_at.astimezone(timezone.utc)
    ends_at = "" if end is None else end.strftime("%Y-%m-%d %H:%M UTC")
    paragraphs = []
    if read_only:
        paragraphs.append(
            "<p>The site is in read-only mode: you can browse, but changes cannot be saved "
            "until maintenance ends.</p>\n"
        )
    if end is not None:
        paragraphs.append(
            f'<p>Maintenance ends at <time datetime="{end.isoformat()}">{ends_at}</time>.</p>\n'
        )
    paragraphs.append(
        f"<p>Please try again in about {_humanize(seconds)}.</p>\n"
        if seconds
        else "<p>Please try again shortly.</p>\n"
    )
    title = page.title or ("Read-only during maintenance" if read_only else "Down for maintenance")
    message = detail if detail.endswith((".", "!", "?")) else f"{detail}."
    logo, stylesheet = _escaped(page.logo_url), _escaped(page.stylesheet_url)
    if page.template is None:
        return _PAGE.format(
            title=_escaped(title),
            stylesheet=f'<link rel="stylesheet" href="{stylesheet}">\n' if stylesheet else "",
            logo=f'<img src="{logo}" alt="">\n' if logo else "",
            message=_escaped(message),
            details="".join(paragraphs),
            script=script,
        )
    filled = Template(page.template).substitute(
        title=_escaped(title),
        message=_escaped(message),
        details="".join(paragraphs),
        ends_at=_escaped(ends_at),
        ends_at_iso="" if end is None else end.isoformat(),
        retry_after="" if seconds is None else str(seconds),
        read_only="true" if read_only else "false",
        logo_url=logo,
        stylesheet_url=stylesheet,
        script=script,
    )
    if script and "script" not in _variables_of(page.template):
        return _with_script(filled, script)
    return filled


def _escaped(text: str | None) -> str:
    return "" if text is None else html.escape(text, quote=True)


def _with_script(page: str, script: str) -> str:
    """``page`` with ``script`` before its last ``</body>``, or at its end if it has none."""
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + script
    cut = ends[-1].start()
    return page[:cut] + script + page[cut:]


def _check_url(option: str, url: object, *, images: bool) -> None:
    if url is None:
        return
    accepted = _ACCEPTED_URLS + (" (or a data:image/ URL)" if images else "")
    if not isinstance(url, str):
        raise TypeError(f"{option} must be a string or None; got {type(url).__name__}")
    if not url or any(char <= " " or char == "\x7f" for char in url):
        raise ValueError(
            f"{option} must be {accepted}, without spaces or control characters; got {url!r}"
        )
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        try:
            host = urlsplit(url).hostname
        except ValueError:  # a malformed IPv6 address
            host = None
        if host:
            return
    elif lowered.startswith("/") or (images and lowered.startswith("data:image/")):
        return
    raise ValueError(f"{option} must be {accepted}; got {url!r}")


def _variables_of(template: object) -> set[str]:
    """The variables ``template`` uses; a mistake in it raises ``ValueError`` naming it."""
    if not isinstance(template, str):
        raise TypeError(f"template must be a string or None; got {type(template).__name__}")
    accepted = ", ".join(f"${name}" for name in TEMPLATE_VARIABLES)
    used = set()
    for match in Template.pattern.finditer(template):
        if match.group("invalid") is not None:
            line = template.count("\n", 0, match.start()) + 1
            found = template[match.start() : match.start() + 12]
            raise ValueError(
                f"template line {line}: {found!r} is not a variable; write $$ for a dollar sign "
                f"(accepted variables: {accepted})"
            )
        name = match.group("named") or match.group("braced")
        if name is None:
            continue  # $$
        if name not in TEMPLATE_VARIABLES:
            raise ValueError(
                f"template uses ${name}, which is not a variable of the maintenance page; "
                f"accepted: {accepted}"
            )
        used.add(name)
    return used


def _humanize(seconds: int) -> str:
    """``45 seconds``, ``20 minutes``, ``1 hour 30 minutes``: to the minute from a minute on."""
    if seconds < 60:
        return _count(seconds, "second")
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return _count(minutes, "minute")
    if not minutes:
        return _count(hours, "hour")
    return f"{_count(hours, 'hour')} {_count(minutes, 'minute')}"


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" + ("" if number == 1 else "s")


#: The page without branding (built last: it is checked with the functions above).
_DEFAULT = MaintenancePage()
