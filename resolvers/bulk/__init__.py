"""Bulk operations: export and import jobs over JSONL files (docs/analysts.md, docs/partners.md).

- `operations`: the job rows (create, list, claim with a lease, commit progress, finish).
- `files`: where the files live, signed URLs, reading and writing JSONL at committed offsets.
- `documents`: checking an export query or an import mutation, and rewriting a query into
  the pages the job runs.
"""
