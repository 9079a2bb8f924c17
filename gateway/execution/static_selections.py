"""Whether an operation's field collection can be shared across requests.

graphql-core collects the sub-fields of each selection set once per request (merging fragments,
applying ``@skip``/``@include``, splitting ``@defer``). Only directives make that depend on the
request's variables: for an operation without any, the collection is a function of the parsed
nodes alone, and the execution context shares it between requests of the same cached document.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def has_static_selections(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> bool:
    """True when no selection the operation reaches carries a directive or fragment arguments.

    >>> has_static_selections(parse("{ a { b } }").definitions[0], {})
    True
    """
    seen: set[str] = set()
    pending: list[SelectionSetNode] = [operation.selection_set]
    while pending:
        selection_set = pending.pop()
        for selection in selection_set.selections:
            if selection.directives:
                return False
            if isinstance(selection, FieldNode | InlineFragmentNode):
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                if getattr(selection, "arguments", None):
                    return False  # fragment arguments (experimental): values per request
                name = selection.name.value
                fragment = fragments.get(name)
                if name not in seen and fragment is not None:
                    if fragment.directives:
                        return False
                    seen.add(name)
                    pending.append(fragment.selection_set)
    return True
