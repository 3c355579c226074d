"""gunicorn's settings (`make serve`, and production: docs/deployment.md, "Web workers").

Threads (gthread): each worker process serves up to `threads` requests at once, so a slow
request (a PDF rendering, a big report) holds one thread, not a whole worker. A PDF is
rendered in a child process (isotp/pdf.py), so the thread waiting for it holds no lock
(the GIL included) that the other threads need. Threads rather than more processes: a
process costs the memory of Django and WeasyPrint loaded again (about 150 MB), a thread
almost nothing; and the app's requests spend their time waiting on PostgreSQL or on the
renderer, not computing in Python.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
# One process per core is enough with threads; each thread may hold a database connection,
# so workers x threads is the most connections one host opens (docs/deployment.md).
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Longer than the PDF time limit (settings.PDF_RENDER_TIMEOUT_SECONDS, 20 s by default): the
# renderer gives up first and the user gets a page saying so.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak cannot grow without end.
max_requests = 2000
max_requests_jitter = 200
# Errors to stderr; the access log only when asked for (the load balancer usually keeps one).
errorlog = "-"
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") else None
# Each request as address, time, method, path (never its query string: a search's words name
# people), status, size and duration. No referrer either: it carries the previous page's query.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): two servers on
# one host would share it. Nothing here uses it.
control_socket_disable = True
