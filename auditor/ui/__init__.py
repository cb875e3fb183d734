"""Helpers behind the Streamlit workbench (app.py), testable without Streamlit.

Everything that decides what the reviewer sees (tables, filters, highlights,
review files, agreement, worklist order) lives here, so the app stays thin.
"""
