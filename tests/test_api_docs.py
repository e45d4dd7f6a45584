"""The API's browsable docs work offline (runtime/api/docs.py): /docs and /redoc name no
outside host, their scripts and styles are served by the server itself, /openapi.json is
kept; in headless Chromium (when installed) Swagger UI renders every endpoint and every
request the page makes goes to the server."""
from __future__ import annotations

import json
import re

import pytest

from browser import Browser, find_chromium
from test_api import Server

LOCAL = ("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def server():
    with Server() as s:
        yield s


def urls_in(html: str):
    return re.findall(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)["']""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_name_no_outside_host_and_their_assets_are_served(server, page):
    status, ctype, body = server.request("GET", page)
    assert status == 200 and ctype.startswith("text/html")
    html = body.decode()
    outside = [u for u in re.findall(r"https?://([^/\s\"'<>]+)", html) if u.split(":")[0] not in LOCAL]
    assert not outside, outside
    refs = urls_in(html)
    assert "/openapi.json" in refs
    assets = [u for u in refs if u.startswith("/docs-assets/")]
    assert len(assets) >= (3 if page == "/docs" else 2), refs  # script (+ style) + icon
    for url in assets:
        status, ctype, content = server.request("GET", url)
        assert status == 200, url
        assert len(content) > 1000, url
        kind = url.rsplit(".", 1)[-1]
        assert {"js": "javascript", "css": "text/css", "png": "image/png"}[kind] in ctype, (url, ctype)


def test_openapi_json_is_kept(server):
    status, _, body = server.request("GET", "/openapi.json")
    assert status == 200
    assert "/calculate" in json.loads(body)["paths"]


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed: apt-get install -y chromium")
def test_swagger_ui_renders_every_endpoint_from_the_server_alone(server):
    base = f"http://127.0.0.1:{server.port}"
    with Browser(width=1280, height=900) as b:
        b.send("Network.enable")
        b.goto(base + "/docs")
        # Swagger UI fetches /openapi.json then draws one block per operation: wait for them
        # inside the page (bounded by the browser's timeout), never by sleeping here
        paths = b.js("""new Promise((ok, fail) => { const t0 = Date.now(); (function poll() {
            const ops = [...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent.trim());
            if (ops.length >= 4) return ok(ops);
            if (Date.now() - t0 > 20000) return fail(new Error('Swagger UI drew ' + ops.length + ' endpoints'));
            requestAnimationFrame(poll); })(); })""")
        requested = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
    assert {"/methods", "/calculate", "/trace", "/certify"} <= {p.replace("\u200b", "") for p in paths}
    assert requested and all(u.startswith(base) or u.startswith("data:") for u in requested), requested
