"""Long work (EvoKD) in its own OS process, followed through SQLite.

- ``launcher``: start a job's worker process, cancel it (SIGTERM), resume it
- ``worker``: the process entry point (``python -m workbench.jobs.worker``)
- ``recorder``: what the worker writes (rounds, samples, metrics, events, progress)
- ``monitor``: is a job alive, how loaded is its device, when will it finish
- ``results``: a job's summary as the CLI prints it (JSON)
- ``follow``: a terminal progress bar that follows a job until it ends

Light at import time: no torch, no transformers (the worker imports them itself).
"""
