"""The Prefect face of rehearsal: flows, deployments, answers given in the UI, resuming a paused
run. The only package that imports Prefect.

May import everything but ``rehearsal.cli``.
"""
