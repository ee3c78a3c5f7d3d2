"""Tools for running the portal, not part of what it does: branch backups (`backup`, with the
`export_branch` and `import_branch` commands) and the benchmark's seeding (`bench`, `seed_bench`)."""
