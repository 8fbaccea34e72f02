"""gunicorn settings for Isso (see isso_wsgi.py beside this file for why --preload is safe)."""

preload_app = True
control_socket_disable = True  # gunicorn 27 would otherwise open a control socket under $HOME


def post_fork(server, worker):
    import isso_wsgi

    isso_wsgi.start_purge_threads()
