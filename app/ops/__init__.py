"""Operations: what the operator and school admins can check (`flask doctor`, `flask outbox
status`, /admin/status), and the records those checks read (job run times, secret fingerprints)."""
