"""ortswissen: small-area statistics for German municipalities.

Monitoring, demography and neighbourhoods on spatial units whose boundaries change over time.
Start with the command line (``ortswissen --help``) or open a store in Python:

>>> from ortswissen.storage import open_store
>>> store = open_store("memory://")
>>> store.list_levels()
[]

Nothing is loaded or connected at import time.
"""

from ortswissen._version import __version__

__all__ = ["__version__"]
