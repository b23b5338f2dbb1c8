"""The example plugin, installed once per session, for its conformance tests."""

from tests.plugins.distributions import example_site as example_site
