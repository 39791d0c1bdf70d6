"""A local HTTP server that speaks GOV.UK Notify's API, for tests (no network service needed).

It answers POST /v2/notifications/sms and /v2/notifications/email as Notify does: it checks the
JWT the client sends (HS256, signed with the key's secret, issued by the key's service id, at
most 30 seconds old), the request's shape, and answers 201 with a notification, or the error
queued by a test (400, 403, 500, ...) in Notify's error shape. Each request is kept for the test
to read. Shapes: notifications-python-client's integration schemas (v2).
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "8b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SECRET = "2d6c0b1a-9f8e-4d7c-b6a5-948372615049"
API_KEY = f"signpost_test-{SERVICE_ID}-{SECRET}"
SMS_TEMPLATE = "11111111-2222-4333-8444-555555555555"
EMAIL_TEMPLATE = "66666666-7777-4888-9999-aaaaaaaaaaaa"

ERRORS = {
    400: ("BadRequestError", "Can't send to this recipient using a team-only API key"),
    403: ("AuthError", "Invalid token: API key not found"),
    429: (
        "RateLimitError",
        "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
    ),
    500: ("Exception", "Internal server error"),
}


class NotifyServer:
    def __init__(self):
        self.received: list[dict] = []
        self.failures: list[int] = []  # statuses to answer next, one per request
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server._handle(self, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _answer(self, handler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler, status: int, name: str, message: str) -> None:
        self._answer(
            handler,
            status,
            {"status_code": status, "errors": [{"error": name, "message": message}]},
        )

    def _handle(self, handler, body: bytes) -> None:
        kinds = {"/v2/notifications/sms": "sms", "/v2/notifications/email": "email"}
        kind = kinds.get(handler.path)
        if kind is None:
            return self._error(handler, 404, "NotFound", "Not found")
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, key=SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return self._error(handler, 403, "AuthError", "Invalid token: signature")
        if claims.get("iss") != SERVICE_ID or abs(time.time() - int(claims.get("iat", 0))) > 30:
            return self._error(handler, 403, "AuthError", "Invalid token: iss or iat")
        if self.failures:
            status = self.failures.pop(0)
            return self._error(handler, status, *ERRORS[status])
        try:
            request = json.loads(body)
        except ValueError:
            return self._error(handler, 400, "BadRequestError", "Invalid JSON supplied")
        recipient_field = "phone_number" if kind == "sms" else "email_address"
        missing = [f for f in (recipient_field, "template_id") if not request.get(f)]
        if missing:
            return self._error(
                handler, 400, "ValidationError", f"{missing[0]} is a required property"
            )
        template = SMS_TEMPLATE if kind == "sms" else EMAIL_TEMPLATE
        if request["template_id"] != template:
            return self._error(handler, 400, "BadRequestError", "Template not found")
        personalisation = request.get("personalisation") or {}
        self.received.append({"kind": kind, **request})
        notification_id = str(uuid.uuid4())
        body_text = str(personalisation.get("body", ""))
        content = {"body": body_text, "from_number": "Signpost"}
        if kind == "email":
            content = {
                "body": body_text,
                "subject": str(personalisation.get("subject", "")),
                "from_email": "signpost@notifications.service.gov.uk",
            }
        self._answer(
            handler,
            201,
            {
                "id": notification_id,
                "reference": request.get("reference"),
                "content": content,
                "uri": f"{self.url}/v2/notifications/{notification_id}",
                "template": {
                    "id": template,
                    "version": 1,
                    "uri": f"{self.url}/services/{SERVICE_ID}/templates/{template}",
                },
                **({"sanitised_content": {}} if kind == "email" else {}),
            },
        )


def configure(settings, server: NotifyServer | None) -> None:
    """Point Signpost's settings at the server (None: sending not set up)."""
    settings.NOTIFY_API_KEY = API_KEY if server else ""
    settings.NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE if server else ""
    settings.NOTIFY_EMAIL_TEMPLATE_ID = EMAIL_TEMPLATE if server else ""
    settings.NOTIFY_BASE_URL = server.url if server else "http://127.0.0.1:9"
