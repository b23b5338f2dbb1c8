"""A request's path through the middleware, apart from the ASGI adapter itself.

The route table, the facts of a request, the decision (the precedence rules in order), the
bypass rules and their tokens, the maintenance page and the rendered 503.
"""
