"""Bulk operations: export and import jobs over JSONL files (docs/analysts.md, docs/partners.md).

- `operations`: the job rows (create, list, claim with a lease, commit progress, finish).
- `files`: where the files live, signed URLs, reading and writing JSONL at committed offsets.
(schema/bulk_documents.py checks an export query or an import mutation, and rewrites a
query into the pages the job runs.)
"""
