"""EvoKD: a large teacher keeps attacking a small student's weaknesses.

Modules, one job each:

- ``data``: datasets (JSONL/CSV folders, the built-in ``bbc-news``), K-shot sampling
- ``metrics``: accuracy, macro-F1, BIO span F1 (numpy only)
- ``student``: the student encoder + task head: train, predict, evaluate, save (torch)
- ``prompts`` / ``parsers``: short teacher prompts and forgiving parsers of their answers
- ``teacher``: teacher calls through the gateway, token budget, local label scoring
- ``dedupe``: drops empty and near-duplicate generated texts (rapidfuzz)
- ``loop``: the EvoKD rounds, the ``none`` / ``static`` baselines and the ablations; it runs
  the round's steps, one module each: ``context`` (what the steps share), ``prepare`` (task
  and teacher), ``generation``, ``labelling`` (and acceptance accounting), ``analysis``
  (probe on fresh samples, the teacher's analysis), ``training`` (train, evaluate, full-shot),
  ``resume``
- ``options``: the job's options (what ``workbench evokd run`` stores in the job row)

Nothing here is imported by the app at start-up; torch and transformers load lazily.
"""
