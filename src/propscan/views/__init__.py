"""Views: pure functions from :class:`~propscan.analysis.Analysis` to terminal text, HTML, tables."""
