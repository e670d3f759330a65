"""
ASGI config for the example project, as `django-admin startproject` makes it.
gunicorn-go serves WSGI only; this file is here so the project looks familiar.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

application = get_asgi_application()
