"""Parsed and validated documents, cached, with errors coded by the stage that found them.

The parse cache hands out one document object per query text, so everything worked out from a
document afterwards (validation, root fields, plans) is cached by the document's identity.
The query limits run first, as their own stage (a document over a limit is not validated), then
graphql-core's validation; in production no message suggests a name the caller did not send
(``hide_suggestions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    ProvidedRequiredArgumentsRule,
    Source,
    TokenKind,
    ValuesOfCorrectTypeRule,
    VariableDefinitionNode,
    parse,
    specified_rules,
    validate,
)
from graphql.language import Lexer
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from gateway.operation.error_codes import Stage, coded
from gateway.operation.identity_cache import IdentityMemo
from gateway.operation.query_limits import NonEmptySelectionSets, limit_rules
from gateway.settings import Settings

CACHE_SIZE = 1024

# Shared by every schema: keyed by the query text and token limit.
_cached_parse = lru_cache(maxsize=CACHE_SIZE)(parse)


def parse_document(query: str, max_tokens: int) -> DocumentNode:
    """``query`` parsed (the same object for the same text); errors coded PARSE or LIMITS.

    >>> parse_document("{ __typename }", 10).definitions[0].operation.value
    'query'
    """
    try:
        return _cached_parse(query, max_tokens=max_tokens)
    except GraphQLError as error:
        stage = Stage.LIMITS if _token_count(query, max_tokens) > max_tokens else Stage.PARSE
        raise coded(error, stage) from None


def _token_count(query: str, most: int) -> int:
    """How many tokens ``query`` has, counting at most ``most + 1`` (0 when it does not lex)."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind is not TokenKind.EOF and count <= most:
            count += 1
    except GraphQLError:
        return 0
    return count


# Rules whose messages name what the caller did not send: a missing argument or input field.
_NAMING_RULES: dict[type[ASTValidationRule], str] = {
    ProvidedRequiredArgumentsRule: "A required argument is missing.",
    ValuesOfCorrectTypeRule: "A value does not match its argument or input field's type.",
}


def _quiet(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """``rule`` reporting its errors without names (production: the schema stays unlisted)."""
    message = _NAMING_RULES[rule]

    class Quiet(rule):  # type: ignore[valid-type,misc]
        def report_error(self, error: GraphQLError) -> None:
            self.context.report_error(GraphQLError(message, error.nodes))

    Quiet.__name__ = f"Quiet{rule.__name__}"
    return Quiet


def quiet_coercion_error(error: GraphQLError) -> GraphQLError:
    """A variable's coercion error without the names it would show (production).

    >>> from graphql import parse
    >>> node = parse("query ($i: Int) { a }").definitions[0].variable_definitions[0]
    >>> quiet_coercion_error(GraphQLError("... Did you mean 'b'?", node)).message
    "Variable '$i' got an invalid value."
    """
    node = error.nodes[0] if error.nodes else None
    name = node.variable.name.value if isinstance(node, VariableDefinitionNode) else "?"
    return GraphQLError(f"Variable '${name}' got an invalid value.", error.nodes)


class Validation:
    """The validation errors of a document for one schema and settings, cached, coded."""

    def __init__(self, schema: GraphQLSchema, settings: Settings) -> None:
        self.schema = schema
        self.hide_suggestions = settings.is_production
        self.limit_rules: Sequence[type[ASTValidationRule]] = tuple(limit_rules(settings))
        rules: list[type[ASTValidationRule]] = [
            *(
                _quiet(rule) if self.hide_suggestions and rule in _NAMING_RULES else rule
                for rule in specified_rules
            ),
            MaybeNullValidationRule,
            OneOfInputValidationRule,
            NonEmptySelectionSets,
        ]
        if settings.is_production:
            # The router still reads `_service { sdl }`: this rule leaves it alone.
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules: Sequence[type[ASTValidationRule]] = tuple(rules)
        self._cached: IdentityMemo[DocumentNode, list[GraphQLError]] = IdentityMemo(
            self._validate, maxsize=CACHE_SIZE
        )

    def errors(self, document: DocumentNode) -> list[GraphQLError]:
        """The coded errors of ``document`` (empty: valid)."""
        return self._cached(document)

    def _validate(self, document: DocumentNode) -> list[GraphQLError]:
        over = validate(self.schema, document, self.limit_rules, hide_suggestions=True)
        if over:
            return [coded(error, Stage.LIMITS) for error in over]
        errors = validate(self.schema, document, self.rules, hide_suggestions=self.hide_suggestions)
        return [coded(error, Stage.VALIDATE) for error in errors]
