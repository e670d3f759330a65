"""
Django settings for the example project: the smallest set that serves the
views in project/views.py. Works with Django 3.2 (Debian's) up to 5.x.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# An example: the key comes from the environment, and the fallback says loudly
# that it must never be used for real.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-insecure-key-do-not-deploy")

DEBUG = False

# Any Host header is accepted because the example is served on whatever
# address a test or a reader binds (127.0.0.1:RANDOM, localhost, a unix
# socket). A real deployment lists its host names here.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]

ROOT_URLCONF = "project.urls"

WSGI_APPLICATION = "project.wsgi.application"

# Kept as startproject writes it; no view touches the database, so the file is
# never created.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
