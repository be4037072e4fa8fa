"""Renderers: plain results in, text/markdown/html/csv/json/chart/calendar out."""
