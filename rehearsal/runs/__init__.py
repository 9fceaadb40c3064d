"""One run from start to finish (images, mirror, scenario, teardown, report), and what acts on
runs from outside: recovery of a crashed run, the emergency stop, the list of live runs.

May import every package below it: errors, models, journal, secrets, envs, scenarios,
results, report.
"""
