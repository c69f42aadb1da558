"""Fixtures for the suites that run through `scripts/cluster` (N instances behind HAProxy).

The API tests' own fixtures (server_binary, database_url, start_server, server, client, sql,
user) are reused as they are; ECOMMERCE_CLUSTER_SIZE (default 3 here) makes every server
they start a cluster, so `client` talks to HAProxy.
"""

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
API = HERE.parent / "api"
sys.path.insert(0, str(API))
sys.path.insert(0, str(HERE))
os.environ.setdefault("ECOMMERCE_CLUSTER_SIZE", "3")

_spec = importlib.util.spec_from_file_location("api_conftest", API / "conftest.py")
api_conftest = importlib.util.module_from_spec(_spec)
sys.modules["api_conftest"] = api_conftest
_spec.loader.exec_module(api_conftest)

from api_conftest import (  # noqa: E402,F401  (fixtures and hooks pytest finds here)
    client, database_url, pytest_runtest_makereport, pytest_runtest_setup, server,
    server_binary, sql, start_server, user)
