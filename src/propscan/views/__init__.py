"""Views: pure functions from :class:`~propscan.analysis.analyzer.Analysis` to terminal text, HTML, tables."""
