"""The WSGI entry point: ``gunicorn -c audience-server/gunicorn.conf.py audience.wsgi:application``.

Settings come from the environment (see audience/config.py). Built once in gunicorn's
master under ``--preload``: the database is migrated and purged there, and the
workers share the in-memory key of the per-network sign-up counters.
"""

from audience.app import create_app
from audience.config import load_config

application = create_app(load_config())
