"""GET /console and its files (the page itself is tested in a browser: tests/browser)."""

import pytest

from apiclient import assert_problem

FILES = ["console.css", "main.js", "api.js", "dom.js", "shop.js", "operate.js", "charts.js",
         "live.js", "metrics.js", "uPlot.esm.js", "uPlot.min.css"]


def test_the_page_is_served_with_a_strict_policy(client):
    r = client.call("GET", "/console")
    assert r.status == 200, r.raw[:300]
    assert r.header("Content-Type").startswith("text/html")
    policy = r.header("Content-Security-Policy")
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert b'src="/console/assets/main.js"' in r.raw
    # Nothing from another site.
    assert b"http://" not in r.raw and b"https://" not in r.raw


@pytest.mark.parametrize("name", FILES)
def test_every_file_it_loads_is_served(client, name):
    r = client.call("GET", f"/console/assets/{name}")
    assert r.status == 200, (name, r.raw[:200])
    assert r.header("Content-Type").split(";")[0] in ("text/javascript", "text/css")
    etag = r.header("ETag")
    assert client.call("GET", f"/console/assets/{name}", headers={"If-None-Match": etag}).status == 304


@pytest.mark.parametrize("name", ["index.html", "nope.js", "..", "package.json", "%2e%2e%2fCMakeLists.txt"])
def test_nothing_else_is(client, name):
    assert_problem(client.call("GET", f"/console/assets/{name}"), 404, "NOT_FOUND")


def test_without_its_files_the_page_says_how_to_install_them(start_server, tmp_path):
    sp = start_server({"CONSOLE_WEB_DIR": str(tmp_path)})
    r = sp.client.call("GET", "/console")
    assert_problem(r, 503, "UNAVAILABLE")
    assert "npm ci --prefix web" in r.json["detail"] and str(tmp_path) not in r.json["detail"]
    assert_problem(sp.client.call("GET", "/console/assets/main.js"), 503, "UNAVAILABLE")
    assert sp.terminate() == 0
