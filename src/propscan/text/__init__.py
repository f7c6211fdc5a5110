"""Text units with offsets into the original text: word tokens and sentences.

>>> from propscan.text.sentences import split_sentences
"""
