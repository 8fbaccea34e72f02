"""gunicorn settings for the audience server (audience.wsgi:application).

--preload builds the app once in the master: the database is migrated and purged
there (then its connection is closed, so no SQLite handle crosses the fork), and
every worker shares the in-memory key that hashes networks for the sign-up limit.
The bind address comes from the command line (--bind 127.0.0.1:8090).

Reading stats: the master also makes the shared memory that holds the day's salt and
visitors, so every worker counts a reader once. Each worker writes its counts every
AUDIENCE_STATS_FLUSH_SECONDS and at its exit (gunicorn's workers leave through
sys.exit, after graceful_timeout at most): a normal stop or restart loses nothing.
"""

import os

preload_app = True
workers = int(os.environ.get("AUDIENCE_WORKERS", "2"))
# Threads: a sign-up waits for the SMTP server; the others keep answering meanwhile.
worker_class = "gthread"
threads = int(os.environ.get("AUDIENCE_THREADS", "4"))
timeout = 30
graceful_timeout = 10
# Small requests only (the app caps bodies at 16 KB too).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# No access log: request lines hold subscribers' link tokens, and logs hold addresses.
accesslog = None
errorlog = "-"
control_socket_disable = True  # gunicorn 27 would otherwise open a control socket under $HOME
