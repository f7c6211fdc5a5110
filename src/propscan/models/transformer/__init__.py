"""The fine-tuned encoder tagger: ``tagger`` (the model class, save/load, predict), ``fit`` (training
and tuning), ``decode`` (token probabilities -> spans), ``net`` (the heads), ``windows`` (token windows).

>>> from propscan.models.transformer.tagger import TransformerTagger
"""
