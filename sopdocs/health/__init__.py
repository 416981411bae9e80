"""Health of a catalog: review reports by owner, and run metrics from audit trails."""
