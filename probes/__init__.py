"""Pure method code for the distillation probes (ICE, RSE, judges, similarity, statistics).

Nothing here imports Textual, litellm, torch or anything from ``workbench``: model calls
arrive as an async ``generate(model, messages, **params)`` callable.
"""
