"""Types whose values are domain records: a plain field reads the record's attribute of its name.

A GraphQL type implementing an interface checks each value it completes (``is_type_of``);
strawberry's own check accepts only instances of the type's class. ``viewing`` accepts records of
the given domain classes instead, so a resolver returns the domain's tuple as it is, with no API
object built per value, and the type's computed fields (an id) are resolvers reading the record.

>>> from typing import NamedTuple
>>> class Point(NamedTuple):
...     x: int
>>> is_type_of = viewing(Point).__get__(None, object)
>>> is_type_of(Point(1), None), is_type_of((1,), None), is_type_of.accepts == (Point,)
(True, False, True)
"""

from __future__ import annotations

from typing import Any


def viewing(*classes: type) -> Any:
    """A strawberry type's ``is_type_of`` (a classmethod) accepting exactly the records of
    ``classes``, which it lists as ``accepts``: an executor may take the first one as the class
    values usually have."""

    def is_type_of(cls: type, value: object, info: object) -> bool:
        return isinstance(value, classes)

    is_type_of.accepts = classes  # type: ignore[attr-defined]
    return classmethod(is_type_of)
