"""The ``rehearsal`` command, one module a command group. The only package that imports Typer;
nothing imports it.
"""
