"""Reads, writes, dataloaders and SQL; no HTTP and no GraphQL types in here."""
