"""``python -m propscan`` runs the ``propscan`` command line (same as the installed script)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
