"""Rendering stored results for people: single runs now, experiment reports later."""
