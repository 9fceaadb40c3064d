"""Results as a pure function of the journal: journal events in, a typed ``Results`` out (the
shape of ``results.json``). Nothing here touches Docker, the network or the clock.

May import: ``rehearsal.errors``, ``rehearsal.models``, ``rehearsal.journal``.
"""
