"""The maintenance state as a value, and the contract of the drivers that store it.

The state and its allow-lists (client networks, path patterns), its textual on/off form,
durations and times as operators type them, the exceptions, and ``BaseStateBackend``.
"""
