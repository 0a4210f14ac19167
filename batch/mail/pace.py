"""How many follow-ups a chunk claims at once: the crash window, sized to the server's pace.

Nothing here sends: the guide quotes these numbers (the site hook reads them) without pulling in the sender.
"""

from __future__ import annotations

# Follow-ups claimed in one durable transaction, sent over the one connection, then recorded in one.
# Measured (bench send): one fsync per chunk instead of one per message; past ~20 the gain is small,
# and a hard crash leaves at most this many `uncertain` (an orderly stop releases the unsent ones).
CHUNK = 20
# A chunk holds as many as the last one sent in about this many seconds (1 to CHUNK): a slow server
# gets small chunks, so a crash leaves few claims unsettled and no result waits long unrecorded (an
# outside trial at 2 s a reply saw results held for minutes); a fast one gets CHUNK.
SPAN = 1.0


def next_size(seconds: float, sent: int) -> int:
    """How many the next chunk claims: as many as went in SPAN seconds at the last chunk's pace."""
    return CHUNK if seconds <= 0 else max(1, min(CHUNK, int(SPAN * sent / seconds)))
