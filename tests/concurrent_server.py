"""Serve Signpost on 127.0.0.1:PORT with Django's threaded WSGI server, for the
concurrent-writes test: `python -m tests.concurrent_server PORT`.

The same server as runserver (a thread a request), with a longer queue of waiting
connections: runserver queues 10 and the kernel resets the rest, which would test the dev
server's socket, not the database."""

import os
import sys

from django.core.servers.basehttp import ThreadedWSGIServer, run


class QueueingServer(ThreadedWSGIServer):
    request_queue_size = 128


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    run("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), server_cls=QueueingServer)
