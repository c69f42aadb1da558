"""The instance's PostgreSQL connection budget is checked at start: one that cannot fit the
server's max_connections stops the instance with a clear error, not a later 53300."""

import os
import socket
import subprocess

from conftest import REPO, SERVICE_VARS, free_port


def run_server(server_binary, database_url, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update(PORT=str(free_port()), DATABASE_URL=database_url, LOG_LEVEL="info",
               ADMIN_TOKEN="t", MIGRATIONS_DIR=str(REPO / "db/migrations"))
    env.update(env_overrides)
    return subprocess.run([str(server_binary)], env=env, capture_output=True, text=True,
                          timeout=30)


def test_a_budget_past_max_connections_stops_the_instance(server_binary, database_url, sql):
    max_connections = int(sql("SHOW max_connections")[0][0])
    p = run_server(server_binary, database_url, DB_MAX_CONNECTIONS=str(max_connections + 1),
                   HTTP_THREADS="2")
    assert p.returncode == 1, p.stdout[-2000:]
    assert "database connection budget does not fit" in p.stdout, p.stdout[-2000:]
    assert f"max_connections {max_connections}" in p.stdout, p.stdout[-2000:]


def test_a_total_too_small_for_the_loops_is_a_configuration_error(server_binary, database_url):
    p = run_server(server_binary, database_url, DB_MAX_CONNECTIONS="3", HTTP_THREADS="2")
    assert p.returncode == 2
    assert "DB_MAX_CONNECTIONS=3 is too small for 2 event loops" in p.stderr


def test_a_budget_that_fits_serves(start_server):
    sp = start_server({"DB_MAX_CONNECTIONS": "16", "HTTP_THREADS": "2"})
    assert sp.client.call("GET", "/ready").status == 200
    assert sp.terminate() == 0


def test_a_port_in_use_stops_the_instance_cleanly(server_binary, database_url):
    # The listen fails while nothing else runs yet: a clear error and exit 1, never a crash
    # of the migration thread logging after logging was shut down (it was SIGSEGV, -11).
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    with busy:
        p = run_server(server_binary, database_url, PORT=str(busy.getsockname()[1]))
    assert p.returncode == 1, (p.returncode, p.stdout[-2000:])
    assert "cannot listen" in p.stdout, p.stdout[-2000:]
