"""carbonspec over HTTP, for a vendor's software that cannot call a subprocess.

Endpoints (OpenAPI at /openapi.json, browsable at /docs):
- GET  /methods                     the compiled methods of this checkout
- POST /calculate?method=&version=  a dossier (JSON body, or an xlsx workbook) -> the results
                                    document `carbonspec run` prints (same keys, same values);
                                    `format=html|xlsx` returns the report instead
- POST /trace?method=&version=&figure=   the dependency tree of one figure (runtime/trace)
- POST /certify?method=&version=    a tool's results ({"results": {case: {item: value}}}) ->
                                    the verdict against the cas-type given at start (--castype)

Errors are the command line's: a bad dossier is HTTP 422 whose `issues` are the same lines
(`path: problem (got X); expected Y`) `run` prints, with the field path; a wrong method is
404 with the list of compiled methods.  Limits: a request body above `max_body` bytes is
refused (413) before it is read whole; a computation running longer than `timeout` seconds
answers 504 (the worker thread finishes in the background, its result is dropped).
"""
from __future__ import annotations

import asyncio
import functools
import json
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from carbonspec.compiler.errors import CarbonspecError, InputError

XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream")


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        self.status, self.body = status, body


def error_body(exc: CarbonspecError, where: str = "dossier") -> dict:
    """The command line's message, split into located issues (`path`, `message`)."""
    from carbonspec.runtime.dossier.errors import DossierError

    if isinstance(exc, DossierError):
        issues = [{"path": i.path, "message": i.text()} for i in exc.issues]
        if exc.more:
            issues.append({"path": "", "message": f"… and {exc.more} more"})
    else:
        w = exc.where[len(where) + 2:] if exc.where.startswith(where + ": ") else exc.where
        issues = [{"path": w, "message": f"{w}: {exc.message}" if w else exc.message}]
    return {"error": exc.render().removeprefix("error: "), "issues": issues}


class Service:
    """Compiled methods, loaded once and shared by the requests (the Numba kernel compiles
    on its first use)."""

    def __init__(self, root: Path, castype: Optional[Path] = None):
        self.root = Path(root)
        self.castype = Path(castype) if castype else None
        self._compiled: Dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def compiled(self, method: str, version: str):
        from carbonspec.runtime.engine.catalog import compiled_dir
        from carbonspec.runtime.engine.core import load_compiled

        key = (method, version)
        with self._lock:
            if key not in self._compiled:
                try:
                    self._compiled[key] = load_compiled(compiled_dir(self.root, method, version))
                except InputError as exc:
                    raise ApiError(404, {"error": exc.message, "issues": [{"path": "method/version",
                                                                           "message": exc.message}]}) from None
            return self._compiled[key]

    def annex_dir(self, method: str, version: str) -> Path:
        return self.root / "annexes" / method / f"v{version}"

    # -------------------------------------------------------------- compute --
    def read(self, compiled, body: bytes, content_type: str):
        """(dossier dict, locator): JSON, or an xlsx workbook, read by the very functions `run`
        reads a file with (so the checks and messages are the same), the file named 'dossier'."""
        xlsx = content_type.split(";")[0].strip() in XLSX_TYPES or body[:2] == b"PK"
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / ("dossier.xlsx" if xlsx else "dossier.json")
            p.write_bytes(body)
            try:
                if xlsx:
                    from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx

                    return read_dossier_xlsx(compiled.schema, p)
                from carbonspec.runtime.dossier.reader import load_json

                return load_json(p), None
            except InputError as exc:
                exc.where = exc.where.replace(str(p), "dossier")
                raise

    def evaluate(self, method: str, version: str, body: bytes, content_type: str, backend: str):
        from carbonspec.runtime.dossier.errors import relocate
        from carbonspec.runtime.engine.core import evaluate, results_document

        compiled = self.compiled(method, version)
        raw, locate = self.read(compiled, body, content_type)
        try:
            flat, values, annex_set = evaluate(compiled, raw, self.annex_dir(method, version), backend, "dossier")
        except InputError as exc:
            root_coll = compiled.schema.entities[compiled.schema.root]["collection"]
            raise relocate(exc, "dossier", root_coll, locate) from None
        doc = results_document(compiled, flat, values, annex_set, flat.backend or backend)
        return compiled, flat, values, annex_set, doc

    def calculate(self, method, version, body, content_type, backend, fmt):
        compiled, flat, values, annex_set, doc = self.evaluate(method, version, body, content_type, backend)
        if fmt == "json":
            return doc
        from carbonspec.runtime.reports.content import build_report

        report = build_report(compiled, flat, values, doc, "dossier", annexes=annex_set)
        if fmt == "xlsx":
            from carbonspec.runtime.reports.xlsx import report_xlsx_bytes

            return report_xlsx_bytes(report)
        from carbonspec.runtime.reports.html import report_html

        return report_html(report)

    def trace(self, method, version, body, content_type, backend, figure):
        try:
            from carbonspec.runtime import trace as trace_mod  # runtime/trace (issue 15 item 2)
        except ImportError:
            raise ApiError(501, {"error": "trace is not available in this build of carbonspec",
                                 "issues": []}) from None
        compiled, flat, values, annex_set, doc = self.evaluate(method, version, body, content_type, backend)
        return trace_mod.trace(compiled.model, values, flat, figure, annexes=annex_set)

    def certify(self, method, version, body):
        from carbonspec.runtime.certification import certify as cert

        if self.castype is None:
            raise ApiError(409, {"error": "no cas-type configured: start the server with --castype DIR "
                                          "(from 'carbonspec castype')", "issues": []})
        ref = cert.load_reference(self.castype)
        if (ref["method"], ref["version"]) != (method, version):
            raise ApiError(404, {"error": f"the cas-type of this server is for {ref['method']} v{ref['version']}",
                                 "issues": []})
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "results.json"
            p.write_bytes(body)
            try:
                reference, comparison, meta = cert.certify(self.castype, p)
            except InputError as exc:
                exc.where = exc.where.replace(str(p), "results")
                raise
            ctx = cert.report_context(reference, comparison, meta, self.castype, "results")
        return {"verdict": ctx["verdict"], "conformant": ctx["conformant"], "counts": ctx["counts"],
                "n_cases": ctx["n_cases"], "n_lines": ctx["n_lines"], "problems": ctx["problems"],
                "failures": [{"case": l.case, "item": l.item, "unit": l.unit, "expected": _finite(l.expected),
                              "received": _finite(l.received), "deviation": _finite(l.deviation),
                              "verdict": l.verdict, "reason": l.reason} for l in ctx["failure_rows"]]}


def _finite(v):
    import math

    return v if isinstance(v, (int, float)) and math.isfinite(v) else None


def create_app(root: Path, castype: Optional[Path] = None, max_body: int = 8 * 1024 * 1024,
               timeout: float = 120.0):
    try:
        from importlib.metadata import version as dist_version
        app_version = dist_version("carbonspec")
    except Exception:  # pragma: no cover - a source tree that is not installed
        app_version = "unknown"
    app = FastAPI(title="carbonspec", version=app_version,
                  description="Méthodes de crédits carbone compilées : calcul d'un dossier, trace d'un chiffre, "
                              "certification d'un outil de calcul. (carbonspec HTTP API)")
    service = Service(root, castype)
    app.state.service = service

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            return JSONResponse({"error": f"request body too large (limit {max_body} bytes)", "issues": []}, 413)
        return await call_next(request)

    async def body_of(request: Request) -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():  # a chunked body without Content-Length is counted too
            size += len(chunk)
            if size > max_body:
                raise ApiError(413, {"error": f"request body too large (limit {max_body} bytes)", "issues": []})
            chunks.append(chunk)
        return b"".join(chunks)

    async def run(fn, *args):
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(None, functools.partial(fn, *args)), timeout)
        except asyncio.TimeoutError:
            raise ApiError(504, {"error": f"computation took longer than {timeout:g} s", "issues": []}) from None

    @app.exception_handler(ApiError)
    async def api_error(request, exc: ApiError):
        return JSONResponse(exc.body, exc.status)

    @app.exception_handler(CarbonspecError)
    async def input_error(request, exc: CarbonspecError):
        return JSONResponse(error_body(exc), 422)

    @app.get("/methods", summary="Compiled methods")
    def methods() -> List[dict]:
        from carbonspec.runtime.engine.catalog import compiled_methods

        return [{k: m[k] for k in ("method", "version", "title", "spec_hash")} for m in compiled_methods(root)]

    M = Query(..., description="method id, e.g. lbc_gc")
    V = Query(..., description="method version, e.g. 2.0")
    B = Query("auto", pattern="^(auto|numba|reference)$",
              description="auto (the NumPy reference below 200 000 rows, the compiled kernel above: same bits), "
                          "numba (compiled) or reference (NumPy)")

    @app.post("/calculate", summary="Compute a dossier (same results as `carbonspec run`)")
    async def calculate(request: Request, method: str = M, version: str = V, backend: str = B,
                        format: str = Query("json", pattern="^(json|html|xlsx)$")):
        body = await body_of(request)
        result = await run(service.calculate, method, version, body, request.headers.get("content-type", ""),
                           backend, format)
        if format == "html":
            return HTMLResponse(result)
        if format == "xlsx":
            return Response(result, media_type=XLSX_TYPES[0])
        return JSONResponse(result)

    @app.post("/trace", summary="Dependency tree of one figure of a dossier")
    async def trace(request: Request, method: str = M, version: str = V, backend: str = B,
                    figure: str = Query(..., description="a figure of the results: an equation of the root entity (project.NAME) or of a row (farms[0].systems[1].years[4].NAME)")):
        body = await body_of(request)
        return JSONResponse(await run(service.trace, method, version, body,
                                      request.headers.get("content-type", ""), backend, figure))

    @app.post("/certify", summary="Compare a tool's results with the cas-type (section 8.5, 5 %)")
    async def certify(request: Request, method: str = M, version: str = V):
        body = await body_of(request)
        return JSONResponse(await run(service.certify, method, version, body))

    return app
