"""The input schema: profiles, scenario parts, drills, answers, probe specs, and reading YAML
with file:line positions for every problem.

May import: ``rehearsal.errors`` only. Everything else builds on it.
"""
