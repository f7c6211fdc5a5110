"""The JSON contract of an analysis: pydantic models and the published JSON Schema file.

>>> from propscan.schema.analysis import AnalysisModel
"""
