"""Analysis: the one inference loop (``analyzer``) and what it adds to a model's spans — sentence and
article scores, rationales, who is speaking (``voice``), quality warnings.

>>> from propscan.analysis.analyzer import Analyzer
"""
