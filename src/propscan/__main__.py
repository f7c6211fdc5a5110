"""``python -m propscan`` runs the ``propscan`` command line (same as the installed script)."""

from __future__ import annotations

from propscan.cli import main

if __name__ == "__main__":
    main()
