"""Input and files: reading articles (text, HTML, JSONL/CSV, URLs) into Documents, the SSRF-safe fetcher,
charset decoding, PTC label files, atomic writes.

>>> from propscan.io.ingest import document_from_text
"""
