"""Export: an SOP as a step manifest (the executable form, schema/manifest.schema.json)
and as the file of a workflow engine (Argo Workflows, GitHub Actions)."""
