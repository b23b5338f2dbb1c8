"""Scoped maintenance in real processes: services sharing a store, scheduled scopes, how fast
a scope reaches a fleet, and the page a browser shows."""
