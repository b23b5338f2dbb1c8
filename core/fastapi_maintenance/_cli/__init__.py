"""The ``fastapi-maintenance`` command's parts: the commands, what they do with backends,
their ``key=value`` options, and how they print.
"""
