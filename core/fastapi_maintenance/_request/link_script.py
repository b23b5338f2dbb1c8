"""The script a maintenance page carries so that bypass links work.

A link holds its token after ``#`` (``https://shop.example.com/#maintenance_bypass=TOKEN``),
which browsers never send: no server or proxy log sees it. On the maintenance page, the script
posts the token to the same path with ``?maintenance_bypass`` (the name alone) as the query,
when it loads or when the fragment changes; the middleware answers that POST with the bypass
cookie, and the script loads the page again without the fragment.
"""

from __future__ import annotations

import json

from starlette.requests import HTTPConnection

__all__ = ["LINK_SCOPE_KEY", "bypass_link_script"]

#: The scope key under which the middleware puts, on a request it blocks while it accepts
#: bypass links, the name of the link's parameter.
LINK_SCOPE_KEY = "fastapi_maintenance.bypass_link"

_SCRIPT = """<script>
(function () {
  var name = %s;
  function admit() {
    var pairs = location.hash.slice(1).split("&");
    for (var i = 0; i < pairs.length; i++) {
      var cut = pairs[i].indexOf("="), key = pairs[i].slice(0, cut);
      try { key = decodeURIComponent(key); } catch (error) { continue; }
      if (cut < 1 || key !== name) continue;
      var page = location.href.split("#")[0];
      fetch(location.pathname + "?" + encodeURIComponent(name), {
        method: "POST",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: encodeURIComponent(name) + "=" + pairs[i].slice(cut + 1),
        credentials: "same-origin",
        cache: "no-store"
      }).then(function (answer) { if (answer.ok) location.replace(page); });
      return;
    }
  }
  admit();
  addEventListener("hashchange", admit);
})();
</script>
"""


def bypass_link_script(request: HTTPConnection) -> str:
    """The ``<script>`` element a maintenance page needs for bypass links to work; ``""``
    when the middleware that blocked ``request`` accepts no links (no bypass secret).

    A custom ``response_handler`` answering with its own HTML page puts it in the page's
    ``<body>``; the default page carries it already.
    """
    name = request.scope.get(LINK_SCOPE_KEY)
    if not isinstance(name, str):
        return ""
    # JSON is a JavaScript string literal; '<', '>' and '&' escaped cannot close the element.
    literal = json.dumps(name).replace("<", "\\u003c").replace(">", "\\u003e")
    return _SCRIPT % literal.replace("&", "\\u0026")
