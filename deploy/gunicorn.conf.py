"""gunicorn for branch_portal, behind nginx on the same host (deploy/nginx/branch-portal.conf).

    gunicorn --config deploy/gunicorn.conf.py branch_portal.wsgi

Like the portal's settings it reads the environment: GUNICORN_BIND and WEB_CONCURRENCY.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: pages are short and CPU-bound in Python; gthread workers were no faster here (REFERENCE.md).
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# A roster import or a year's .docx report may take a while; nothing legitimate takes a minute.
timeout = 60
graceful_timeout = 30
# A fresh process now and then bounds whatever a long-lived worker might accumulate.
max_requests = 2000
max_requests_jitter = 200
# nginx on this host sets X-Forwarded-Proto; only it is believed (Django's SECURE_PROXY_SSL_HEADER too).
forwarded_allow_ips = "127.0.0.1,::1"
# To the journal (systemd) or the terminal.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
