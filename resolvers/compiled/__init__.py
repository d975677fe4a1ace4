"""The compiled read path's SQL half: one PostgreSQL statement per read query.

- `forms`: the SQL forms schema fields declare beside themselves.
- `sql_text`: SQL text of values, relations, connections and orderings, twins of the
  resolvers' Python (a cursor's and a global id's are in resolvers/opaque.py).
- `sql_values`: the JSON value text others are built from (literals, money, timestamps).
- `statement`: running a plan's statement.

schema/compiled/ walks the query document and builds the plan from these.
"""
