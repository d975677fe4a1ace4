"""The compiled read path's GraphQL half: plans built from a parsed query document.

Split as Grafast (PostGraphile) splits planning:

- `collect`: field collection (fragments, `@skip`/`@include`, response keys).
- `arguments`: argument binding (sources, bind parameters) and plan constraints (the
  argument shapes a plan holds for, the role's rules on fields and arguments).
- `compiler`: the compiler proper, a selection into one statement; its SQL text comes
  from resolvers/compiled/.
- `outcomes`: what compiling gives, a `Plan` or a `Decline` (no compiled form).
- `plans`: the plan cache (queries only; per document, operation, role, variable shape).
- `extension`: the strawberry schema extension that answers with a plan.
"""
