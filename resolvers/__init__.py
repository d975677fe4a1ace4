"""Reads, writes, dataloaders and SQL; no HTTP, and no GraphQL types in here.

The one exception is resolvers/compiled/, which walks a parsed query document (and the
fields' declared SQL forms) to build one statement for the compiled read path.
"""
