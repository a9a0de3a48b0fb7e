"""``policykg serve``: a local, read-only SPARQL endpoint and a query page over a build.

Two processes, one address:

- the Oxigraph server (PyPI ``oxigraph``) runs ``serve-read-only`` on the built store
  (whose default graph is the merged graph: see :mod:`policykg.graph.store`), bound to a
  free port of 127.0.0.1 that nothing else sees (read-only mode opens the RocksDB store as
  a secondary, so it works beside other readers and even beside a writer);
- a small proxy (``http.server``) listens on HOST:PORT (127.0.0.1:7878 by default) and
  serves the query page at ``/`` (also written to ``OUT/queries.html``), the SPARQL 1.1
  Protocol at ``/query`` and ``/sparql`` (GET or POST; updates refused with 403), library
  queries with validated parameters at ``/run``, and Oxigraph's own YASGUI at ``/yasgui``
  (its scripts are served by Oxigraph itself: no CDN, works offline).
"""

from __future__ import annotations

import html
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from policykg.errors import PolicykgError
from policykg.graph.store import STORE_DIR
from policykg.queries.library import Query, list_queries
from policykg.queries.runner import bound_text, query_kind

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
PAGE_FILE = "queries.html"
START_TIMEOUT = 30.0
QUERY_PATHS = {"/query", "/sparql", "/yasgui/sparql"}
UPSTREAM_GET = {
    "/yasgui": "/",
    "/yasgui.min.js": "/yasgui.min.js",
    "/yasgui.min.css": "/yasgui.min.css",
    "/logo.svg": "/logo.svg",
}
RESULT_TYPES = {
    "select": "application/sparql-results+json",
    "ask": "application/sparql-results+json",
    "graph": "application/n-triples",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def find_oxigraph() -> str:
    """The path of the ``oxigraph`` server program (PyPI ``oxigraph``), or an error."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = shutil.which("oxigraph") or (str(beside) if beside.is_file() else None)
    if not found:
        raise PolicykgError("the Oxigraph server is not installed: `pip install oxigraph`")
    return found


def _die_with_parent() -> None:
    """In the child (Linux): get SIGTERM when the parent dies, so no server is orphaned."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(
    host: str, port: int, process: subprocess.Popen | None = None, timeout: float = START_TIMEOUT
) -> None:
    """Poll until ``host:port`` accepts connections (bounded); fail if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise PolicykgError(f"the server process stopped (exit status {process.returncode})")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise PolicykgError(f"the server on {host}:{port} did not start within {timeout:g} s")


# --- the query page -------------------------------------------------------------------

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}
section{border-top:1px solid #ccc;padding:.5rem 0}pre{background:#f4f4f4;padding:.5rem;
overflow:auto}table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;
padding:.2rem .4rem;text-align:left;vertical-align:top}label{display:block;margin:.2rem 0}
textarea{width:100%;font-family:monospace}.error{color:#a00}.tags{color:#666}"""

_SCRIPT = """
function cell(term){if(!term)return '';if(term.type==='triple')return '<< … >>';return term.value;}
function show(box, response, text){
  box.textContent='';
  if(!response.ok){const p=document.createElement('p');p.className='error';
    let msg=text;try{msg=JSON.parse(text).error||text}catch(e){}
    p.textContent='Error '+response.status+': '+msg;box.appendChild(p);return;}
  const type=response.headers.get('Content-Type')||'';
  if(!type.includes('json')){const pre=document.createElement('pre');pre.textContent=text;
    box.appendChild(pre);return;}
  const data=JSON.parse(text);
  if('boolean' in data){const p=document.createElement('p');p.textContent=String(data.boolean);
    box.appendChild(p);return;}
  const vars=data.head.vars, rows=data.results.bindings, table=document.createElement('table');
  const head=table.insertRow();
  for(const v of vars){const th=document.createElement('th');th.textContent=v;head.appendChild(th);}
  for(const b of rows){const tr=table.insertRow();
    for(const v of vars){tr.insertCell().textContent=cell(b[v]);}}
  const count=document.createElement('p');count.textContent=rows.length+' rows';
  box.appendChild(count);box.appendChild(table);
}
async function send(box, url, init){
  if(!location.protocol.startsWith('http')){box.textContent='Open this page through '+
    '`policykg serve` (http://127.0.0.1:7878/) to run the queries.';return;}
  box.textContent='running…';
  try{const r=await fetch(url, init);show(box, r, await r.text());}
  catch(e){box.textContent='Error: '+e;}
}
for(const form of document.querySelectorAll('form.library')){
  form.addEventListener('submit',ev=>{ev.preventDefault();
    send(form.parentElement.querySelector('.result'),'run',
         {method:'POST',body:new URLSearchParams(new FormData(form))});});
}
const own=document.getElementById('own');
own.addEventListener('submit',ev=>{ev.preventDefault();
  send(own.parentElement.querySelector('.result'),'query',{method:'POST',
    headers:{'Content-Type':'application/sparql-query','Accept':
    'application/sparql-results+json, application/n-triples;q=0.9'},
    body:own.querySelector('textarea').value});});
"""


def _param_input(param) -> str:
    label = f"{param.name} ({param.type}{', required' if param.required else ''})"
    hint = f" — {param.description}" if param.description else ""
    return (
        f'<label>{html.escape(label)}{html.escape(hint)} <input name="param.'
        f'{html.escape(param.name)}" value="{html.escape(param.default or "")}"></label>'
    )


def _query_section(query: Query) -> str:
    tags = f'<p class="tags">tags: {html.escape(", ".join(query.tags))}</p>' if query.tags else ""
    params = "".join(_param_input(p) for p in query.params)
    return (
        f'<section id="q-{html.escape(query.name)}"><h2>{html.escape(query.name)}</h2>'
        f"<p>{html.escape(query.summary)}</p><p>{html.escape(query.description)}</p>{tags}"
        f'<form class="library"><input type="hidden" name="name" '
        f'value="{html.escape(query.name)}">{params}<button>Run</button></form>'
        f"<details><summary>SPARQL</summary><pre>{html.escape(query.text)}</pre></details>"
        f'<div class="result"></div></section>'
    )


def render_page(queries: list[Query]) -> str:
    """The self-contained query page: every library query, ready to run (no external file).

    >>> from policykg.queries.library import parse_query
    >>> page = render_page([parse_query("#+ summary: <b>x</b>\\nASK {}", name="q")])
    >>> "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x" not in page
    True
    """
    toc = "".join(
        f'<li><a href="#q-{html.escape(q.name)}">{html.escape(q.name)}</a> — '
        f"{html.escape(q.summary)}</li>"
        for q in queries
    )
    body = "".join(_query_section(q) for q in queries)
    example = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } }\nGROUP BY ?g"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>policykg SPARQL queries</title>"
        f"<style>{_STYLE}</style></head><body><h1>policykg: SPARQL queries</h1>"
        "<p>A read-only SPARQL 1.1 endpoint over the built graph is at <code>/query</code> "
        "(GET or POST); its default graph is the union of the named graphs (one per source "
        'document). A full editor: <a href="yasgui">YASGUI</a>.</p>'
        f"<ul>{toc}</ul>{body}"
        '<section id="own-query"><h2>Your own query</h2><form id="own">'
        f"<textarea rows=8>{html.escape(example)}</textarea><button>Run</button></form>"
        f'<div class="result"></div></section><script>{_SCRIPT}</script></body></html>\n'
    )


def write_page(out_dir: str | Path, queries: list[Query] | None = None) -> Path:
    """Write ``OUT/queries.html`` (the library's queries) and return its path."""
    path = Path(out_dir) / PAGE_FILE
    path.write_text(render_page(list_queries() if queries is None else queries), encoding="utf-8")
    return path


# --- the read-only proxy ---------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server_version = "policykg-serve"
    upstream = ""
    page = b""
    queries: dict[str, Query] = {}

    def log_message(self, format: str, *args) -> None:  # quiet: the CLI says what it does
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _forward(self, path: str, data: bytes | None, headers: dict[str, str]) -> None:
        request = urllib.request.Request(
            self.upstream + path,
            data=data,
            headers=headers,
            method="POST" if data is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                body, status = response.read(), response.status
                content_type = response.headers.get("Content-Type", "application/octet-stream")
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
            content_type = exc.headers.get("Content-Type", "text/plain")
        except OSError as exc:
            return self._error(502, f"the Oxigraph server did not answer: {exc}")
        self._send(status, body, content_type)

    def _accept(self) -> dict[str, str]:
        return {"Accept": self.headers.get("Accept") or "application/sparql-results+json"}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path in ("/", "/" + PAGE_FILE):
            return self._send(200, self.page, "text/html; charset=utf-8")
        if parts.path in QUERY_PATHS:
            if "update" in parse_qs(parts.query):
                return self._error(403, "this endpoint is read-only")
            return self._forward("/query?" + parts.query, None, self._accept())
        if parts.path in UPSTREAM_GET:
            return self._forward(UPSTREAM_GET[parts.path], None, {})
        self._error(404, f"no such page: {parts.path}")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if parts.path == "/run":
            return self._run(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
        if parts.path not in QUERY_PATHS:
            return self._error(
                403 if parts.path in ("/update", "/store") else 404,
                "this endpoint is read-only: only queries are accepted",
            )
        if content_type == "application/sparql-query":
            headers = {"Content-Type": content_type, **self._accept()}
            return self._forward("/query", body, headers)
        if content_type == "application/x-www-form-urlencoded":
            if "update" in parse_qs(body.decode("utf-8", "replace")):
                return self._error(403, "this endpoint is read-only")
            headers = {"Content-Type": content_type, **self._accept()}
            return self._forward("/query", body, headers)
        if content_type == "application/sparql-update":
            return self._error(403, "this endpoint is read-only")
        self._error(415, "send a query as application/sparql-query or a form with query=")

    def _run(self, form: dict[str, list[str]]) -> None:
        """A library query, by name, with its parameters validated and bound."""
        name = (form.get("name") or [""])[0]
        query = self.queries.get(name)
        if query is None:
            return self._error(404, f"no query named '{name}' in the library")
        params = {
            k[len("param.") :]: v[0]
            for k, v in form.items()
            if k.startswith("param.") and v and v[0] != ""
        }
        try:
            text = bound_text(query, params)
        except PolicykgError as exc:
            return self._error(400, str(exc))
        headers = {
            "Content-Type": "application/sparql-query",
            "Accept": RESULT_TYPES[query_kind(text)],
        }
        self._forward("/query", text.encode("utf-8"), headers)

    def do_PUT(self) -> None:
        self._error(403, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT


class Server:
    """The Oxigraph read-only server and the proxy in front of it (a context manager)."""

    def __init__(self, out_dir: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.out_dir = Path(out_dir)
        self.host, self.port = host, port
        self.process: subprocess.Popen | None = None
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.log = None

    @property
    def url(self) -> str:
        """The address of the query page (and, with ``query``, of the endpoint)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> Server:
        """Start Oxigraph, write the page, start the proxy (in a thread); wait until ready."""
        store = self.out_dir / STORE_DIR
        if not store.is_dir():
            raise PolicykgError(
                "no built graph here; run `policykg build` first", path=self.out_dir
            )
        queries = list_queries()
        page = write_page(self.out_dir, queries).read_bytes()
        inner = free_port()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [
                find_oxigraph(),
                "serve-read-only",
                "--location",
                str(store),
                "--bind",
                f"{DEFAULT_HOST}:{inner}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        try:
            try:
                wait_for_port(DEFAULT_HOST, inner, self.process)
            except PolicykgError as exc:
                self.log.seek(0)
                said = " ".join(self.log.read(2000).decode("utf-8", "replace").split())
                raise PolicykgError(f"the Oxigraph server did not start: {exc}; {said}") from None
            handler = type(
                "Handler",
                (_Handler,),
                {
                    "upstream": f"http://{DEFAULT_HOST}:{inner}",
                    "page": page,
                    "queries": {q.name: q for q in queries},
                },
            )
            try:
                self.httpd = ThreadingHTTPServer((self.host, self.port), handler)
            except OSError as exc:
                raise PolicykgError(
                    f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
                ) from None
            self.port = self.httpd.server_address[1]
            self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
            self.thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the proxy and the Oxigraph server (waiting for it, bounded)."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
