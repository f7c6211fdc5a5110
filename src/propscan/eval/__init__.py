"""Evaluation: official-equal SemEval-2020 Task 11 scorers and SemEval file formats.

>>> from propscan.eval.scorer import score_si, score_tc
"""
