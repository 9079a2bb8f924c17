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
    Source,
    TokenKind,
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


class Validation:
    """The validation errors of a document for one schema and settings, cached, coded."""

    def __init__(self, schema: GraphQLSchema, settings: Settings) -> None:
        self.schema = schema
        self.hide_suggestions = settings.is_production
        self.limit_rules: Sequence[type[ASTValidationRule]] = tuple(limit_rules(settings))
        rules: list[type[ASTValidationRule]] = [
            *specified_rules,
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
