"""The compiled read path's SQL half: one PostgreSQL statement per read query.

- `forms`: the SQL forms schema fields declare beside themselves.
- `sql_text`: SQL text of values, cursors and orderings, twins of the resolvers' Python.
- `statement`: running a plan's statement.

schema/compiled/ walks the query document and builds the plan from these.
"""
