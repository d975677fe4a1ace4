"""Reads, writes, dataloaders and SQL; no HTTP and no GraphQL in here.

Nothing here imports graphql, strawberry, schema/ or api/. The compiled read path's SQL
half lives in resolvers/compiled/ (the forms fields declare, the SQL text, running the
statement); the half that walks a parsed query document is schema/compiled/.
"""
