"""Query limits, checked while parsing and validating — before any resolver or SQL runs.

Their errors are coded LIMIT_EXCEEDED by the stage that runs them (``documents``), never by
their message.

The validation rules are built once per schema: ValidationCache keys on the rule classes, so
building them per request would defeat the cache.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    BREAK,
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    SelectionSetNode,
    ValidationContext,
    Visitor,
    visit,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from gateway.settings import Settings


def limit_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """Validation rules enforcing the alias and depth limits of ``settings``.

    Build them once per schema: the validation cache keys on the rule classes. (The token limit
    is a parser option: ``max_tokens``.)
    """
    return [
        max_aliases_rule(settings.max_query_aliases),
        _measurable_depth_rule(settings.max_query_depth),
    ]


class NonEmptySelectionSets(ASTValidationRule):
    """Refuse ``{}``: the spec requires at least one selection; graphql-core 3.3 accepts none."""

    def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
        if not node.selections:
            self.report_error(GraphQLError("Selection set: select at least one field", node))


def _measurable_depth_rule(max_depth: int) -> type[ASTValidationRule]:
    limiter = max_depth_rule(max_depth, None, None)

    class MaxDepth(ASTValidationRule):
        """strawberry's depth limiter, run only on documents it can measure.

        It measures in its constructor and crashed (a masked 500) on an empty selection set or a
        spread of an undefined fragment; NonEmptySelectionSets and graphql-core's
        KnownFragmentNames report those documents instead.
        """

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if _measurable(context.document):
                limiter(context)  # reports to the context while constructed

    return MaxDepth


class _Unmeasurable(Visitor):
    def __init__(self, fragments: set[str]) -> None:
        super().__init__()
        self.fragments = fragments
        self.found = False

    def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> object:
        return self._found() if not node.selections else None

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> object:
        return self._found() if node.name.value not in self.fragments else None

    def _found(self) -> object:
        self.found = True
        return BREAK


def _measurable(document: DocumentNode) -> bool:
    fragments = {
        definition.name.value
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    visitor = _Unmeasurable(fragments)
    visit(document, visitor)
    return not visitor.found
