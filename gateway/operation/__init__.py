"""What wraps every operation, and the one seam where the engine is wired in.

- ``assembly``: ``build_schema``, the executable schema; its ``execute`` runs compiled plans.
- ``compiled``: the compiled path: documents, plans and variables per request.
- ``documents``: parse and validation caches; errors coded by the stage that found them.
- ``error_codes``: ``Stage`` and ``coded``, the one classifier of errors; masking.
- ``guards``: the router-scope check, the primary for mutations, cache tags, metrics.
- ``extension``: the same on graphql-core's path (the reference, and what plans do not cover).
- ``incremental``: the later parts of ``@defer`` / ``@stream`` answers, coded and timed;
  ``incremental_merge``: those parts translated to deferSpec=20220824, or merged into one.
- ``query_limits``: depth, alias and selection rules, checked before any resolver runs.
- ``router_scope``: which root fields an operation selects.
- ``identity_cache``: memoization by a parsed document's identity.
"""
