"""Routers: ``api`` (REST under ``/api/v1``) and ``pages`` (the web app)."""
