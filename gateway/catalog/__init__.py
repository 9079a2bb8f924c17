"""The catalog file (docs/catalog.md): one YAML or JSON file holding both domains' sections.

- ``fields``: the vocabulary both domains' sections are read with (below the domains).
- ``load``: ``gateway load FILE``: the whole file checked, then written in one transaction
  (above the domains: it hands each its sections).
"""
