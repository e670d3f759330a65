"""
WSGI config for the example project: the module gunicorn (and gunicorn-go)
loads as `project.wsgi` (the callable is named `application`, the default).

    gunicorn --chdir shared/examples/djangoproject project.wsgi
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

application = get_wsgi_application()
