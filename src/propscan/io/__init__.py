"""Input and files: :mod:`~propscan.io.ingest` turns text, files, folders, tables, stdin and URLs into
Documents (HTML through :mod:`~propscan.io.html`, pages through the SSRF-safe :mod:`~propscan.io.fetch`,
bytes through :mod:`~propscan.io.charsets`); :mod:`~propscan.io.ptc` reads and writes the PTC corpus
and its label files; :mod:`~propscan.io.files` holds the generic helpers (atomic writes, JSONL, CSV rows).

>>> from propscan.io.ingest import document_from_text
"""
