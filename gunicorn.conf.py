"""gunicorn settings for Signpost in production (docs/deploy.md), read from the environment.

    gunicorn -c gunicorn.conf.py          # as `make serve` runs it

WEB_CONCURRENCY worker processes, each with THREADS threads; every request and server message
logged as one JSON object a line with full postcodes cut to their sector (config/logs.py).
"""

import os

from config.env import env_bool, env_int, env_str
from config.logs import logging_config

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

wsgi_app = "config.wsgi:application"
bind = [env_str("BIND", "127.0.0.1:8000")]
# Processes: about two per core is gunicorn's advice. They map one shared matching index file
# (signposting/index.py).
workers = env_int("WEB_CONCURRENCY", 2)
# Load the code (every view: config/wsgi.py) once, before the workers fork, so that its pages
# are shared rather than copied into each process. A code change then needs a restart, as a
# release makes anyway.
preload_app = env_bool("PRELOAD_APP", True)
# Threads per process: requests mostly wait on the database, so a few threads share a process.
threads = env_int("THREADS", 4)
worker_class = "gthread"
timeout = env_int("GUNICORN_TIMEOUT", 60)  # a first request may build the index: seconds
graceful_timeout = 30
# A connection a request by default (as nginx sends them to its upstreams): each request then
# goes to a process free to take it. A kept connection stays with the process that accepted it,
# and under load the processes' shares then differ by ten times (docs/benchmarks.md).
keepalive = env_int("KEEPALIVE", 0)
# Only a proxy on these addresses may set X-Forwarded-* headers that gunicorn believes.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: one shared path would be claimed by every server on the host.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "INFO").lower()
logconfig_dict = logging_config(
    level=env_str("LOG_LEVEL", "INFO"), fmt=env_str("LOG_FORMAT", "json")
)


def pre_fork(server, worker):
    """No database connection crosses a fork: each worker opens its own. The objects loaded so
    far are frozen out of the garbage collector's reach (gc.freeze), so that its passes in a
    worker do not write to, and so copy, the pages the master shares with it."""
    import gc

    from django.db import connections

    connections.close_all()
    gc.freeze()
