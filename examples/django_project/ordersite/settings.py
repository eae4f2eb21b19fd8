"""Settings of the ordersite example: a Django project that trusts ticketbooth's tokens.

Run it beside ticketbooth (RS256, ES256 or EdDSA publish their public keys)::

    TICKETBOOTH_ALGORITHM=RS256 ticketbooth serve --port 8000
    cd examples/django_project
    python manage.py migrate && python manage.py runserver 8004   # or: gunicorn ordersite.wsgi

    curl localhost:8004/api/me -H "Authorization: Bearer $ACCESS"
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# An example's key: set DJANGO_SECRET_KEY for anything that is not your own machine.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",  # only for the optional local-user mapping
    "rest_framework",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "ticketbooth.django.TicketBoothMiddleware",  # for the plain (non-DRF) views
]

ROOT_URLCONF = "ordersite.urls"
WSGI_APPLICATION = "ordersite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ORDERSITE_DATABASE", str(BASE_DIR / "db.sqlite3")),
    }
}

USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["ticketbooth.django.TicketBoothAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["ticketbooth.django.Authenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

TICKETBOOTH = {
    "ISSUER_URL": os.environ.get("TICKETBOOTH_ISSUER_URL", "http://127.0.0.1:8000"),
    "AUDIENCE": os.environ.get("TICKETBOOTH_AUDIENCE", "ticketbooth-api"),
    # "LOCAL_USER_CLAIM": "sub",   # map each token to a local Django user (off by default)
}
