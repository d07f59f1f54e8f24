"""Human handoff: support hours, the queue, claiming, notes, surveys."""
