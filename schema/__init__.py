"""GraphQL types, one module per domain; they hold no SQL and delegate to `resolvers`."""
