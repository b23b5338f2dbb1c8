"""Fixtures of the drivers' own test suites, reused to run the contract against them."""

from tests.plugins.distributions import example_site as example_site
from tests.redis.conftest import make_backend as make_backend
from tests.redis.conftest import redis_key as redis_key
from tests.redis.conftest import redis_url as redis_url
