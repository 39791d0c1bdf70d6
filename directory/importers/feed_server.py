"""A real local HTTP server answering fixed responses: another feed, for tests and benchmarks."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class FeedServer:
    """Serve `routes` (path with sorted query -> (status, body bytes)) on 127.0.0.1."""

    def __init__(self, routes: dict[str, tuple[int, bytes]] | None = None, delay: float = 0):
        self.routes = routes or {}
        self.requests: list[str] = []
        self.delay = delay
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                key = normalise(self.path)
                server.requests.append(key)
                if server.delay:
                    threading.Event().wait(server.delay)
                status, body = server.routes.get(key, (404, b'{"detail": "not found"}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add_json(self, path: str, document, status: int = 200) -> None:
        self.routes[normalise(path)] = (status, json.dumps(document).encode())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def normalise(path: str) -> str:
    parts = urlsplit(path)
    query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parts.query)))
    return parts.path.rstrip("/") + (f"?{query}" if query else "")
