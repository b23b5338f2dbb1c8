"""Small helpers every layer may use, importing nothing else of the package.

The environment variables, the clock windows are checked against, hiding passwords in
messages, and logging a recurring problem once.
"""
