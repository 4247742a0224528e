"""The ASGI entry point gunicorn loads (taskflow.asgi:app): settings are read here, once
per worker, so a bad setting stops the worker at boot with a message naming it."""
from .main import create_app

app = create_app()
