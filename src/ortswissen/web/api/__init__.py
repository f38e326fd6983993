"""API resources under ``/api/v1``, one module per resource group."""
