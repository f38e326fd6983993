"""Use cases: importing, crosswalks, exports and catalogue queries, wired to store ports.

Services see only :mod:`ortswissen.ports`; the CLI and the web app choose the store.
"""
