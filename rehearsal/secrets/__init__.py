"""Secret parameter values: fetched at run time, and kept out of every journal, results file
and report.

May import: ``rehearsal.errors``, ``rehearsal.models``.
"""
