"""What happens in a run: the scenario document, planning and dry runs, the engine, and the
plugins it drives (``steps/``, ``faults/``, ``probes/``), people, alerts and escalation.

May import: ``rehearsal.errors``, ``models``, ``journal``, ``secrets``, ``envs``.
"""
