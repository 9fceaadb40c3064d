"""What a run writes into its folder: the journal (one JSON event a line), the catalogue of
its event types that every writer is checked against, the ids findings are numbered by, the
check that says what a damaged or older journal lacks, and files written whole.

May import: ``rehearsal.errors``, ``rehearsal.models``.
"""
