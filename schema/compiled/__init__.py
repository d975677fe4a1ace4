"""The compiled read path's GraphQL half: plans built from a parsed query document."""
