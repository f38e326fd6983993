"""The HTTP API and the browser pages, served by one process (``create_app``)."""

from ortswissen.web.app import create_app

__all__ = ["create_app"]
