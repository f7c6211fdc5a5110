"""The package version, in a module of its own so any layer can read it without importing ``propscan``.

>>> from propscan.version import __version__
"""

__version__ = "0.1.0"
