"""The installed example plugin, reused from the plugin tests to run the contract against it."""

from tests.plugins.distributions import example_site as example_site
