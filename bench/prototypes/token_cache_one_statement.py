"""Measurement prototype: both token_cache and issue_one_statement at once."""

import issue_one_statement  # noqa: F401 - installs the one-statement issue
from token_cache import application  # noqa: F401 - the ASGI app, with the token memory
