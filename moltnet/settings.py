"""Django settings derived from the `Moltnet` config file and the environment (docs/protocol/config.md).

Nothing here needs editing to run a network: edit the `Moltnet` file instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from moltnet.config import ConfigError, ServerConfig, load_server_config
from moltnet.logformat import level_name
from moltnet.storage import channel_layers, database_settings

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    MOLTNET: ServerConfig = load_server_config()
except ConfigError as exc:  # one clear line, no traceback
    sys.stderr.write(f"moltnet: {exc}\n")
    raise SystemExit(1) from None

# The console session key is not a credential of the API; keep it stable per data directory.
SECRET_KEY = os.environ.get("MOLTNET_SECRET_KEY") or "moltnet-local-" + MOLTNET.network_id
DEBUG = os.environ.get("MOLTNET_DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]  # Moltnet is addressed by whatever host the operator exposes it on

INSTALLED_APPS = [
    # First, so its `runserver` (daphne's, plus migrations and declared state) wins.
    "moltnet.apps.MoltnetConfig",
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "events",
    "rooms",
    "agents",
    "attach",
    "pairings",
    "moderation",
    "node",
    "console",
    "search",
]

MIDDLEWARE = [
    "moltnet.middleware.ApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "moltnet.urls"
APPEND_SLASH = False
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ASGI_APPLICATION = "moltnet.asgi.application"
DATABASES = {"default": database_settings(MOLTNET)}
CHANNEL_LAYERS = channel_layers(MOLTNET)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies are capped at 1 MiB (docs/protocol/http-api.md §1.3).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1 << 20

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

STATIC_URL = "/console/static/"  # served by the console app (no separate static server)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
LOGIN_URL = "/console/login/"

# One format for every line (moltnet.logformat): key=value text, or JSON lines with
# MOLTNET_LOG_FORMAT=json; MOLTNET_LOG_LEVEL sets the threshold (default INFO).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"moltnet": {"()": "moltnet.logformat.make_formatter"}},
    "handlers": {"console": {"class": "moltnet.logwriter.BatchingStreamHandler", "formatter": "moltnet"}},
    "root": {"handlers": ["console"], "level": level_name()},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
    },
}
