"""Integrations with other libraries (each imports its library only when used; each is an extra).

- :mod:`propscan.integrations.spacy`: ``nlp.add_pipe("propscan")`` (``pip install 'propscan[spacy]'``).
"""
