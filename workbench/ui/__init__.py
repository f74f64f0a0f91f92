"""The Textual app: app.py, screens/, widgets/ (styles in workbench/ui/*.tcss)."""
