"""The API's browsable OpenAPI docs (/docs: Swagger UI, /redoc: ReDoc), served offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine without
internet (an auditor's, a vendor's test bench) /docs is blank.  The same pages are served
here with their scripts and styles from the `fastapi-offline` package (MIT; Swagger UI is
Apache-2.0, ReDoc MIT), mounted under /docs-assets; Swagger UI's online validator badge
is turned off (it would call an outside host).
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"


def assets_dir() -> Path:
    """The folder of swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def add_offline_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Mount the assets and add the two pages to an app created with docs_url=None and
    redoc_url=None (so FastAPI adds none of its CDN pages)."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")

    def urls(request: Request):
        root = request.scope.get("root_path", "")
        return root + (app.openapi_url or "/openapi.json"), root + ASSETS_URL

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        openapi, assets = urls(request)
        return get_swagger_ui_html(openapi_url=openapi, title=f"{app.title} — documentation de l'API",
                                   swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{assets}/swagger-ui.css",
                                   swagger_favicon_url=f"{assets}/favicon.png",
                                   oauth2_redirect_url=None,
                                   swagger_ui_parameters={"validatorUrl": None})

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        openapi, assets = urls(request)
        return get_redoc_html(openapi_url=openapi, title=f"{app.title} — documentation de l'API",
                              redoc_js_url=f"{assets}/redoc.standalone.js",
                              redoc_favicon_url=f"{assets}/favicon.png", with_google_fonts=False)
