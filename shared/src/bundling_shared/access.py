"""How every service reads its table of who may act for whom.

A service writes one table: for each action and each relation of the caller to the
object, the roles allowed. A refusal must not reveal what the caller may not know: where
the caller may not even read the object, it answers as if the object did not exist (404);
where it may read it, it is told that this action is not its to take (403). An action on
no one object (listing, registering) has nothing to hide, so it is refused openly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from bundling_shared.auth.principal import Role
from bundling_shared.errors import Forbidden, NotFound

ActionT = TypeVar("ActionT", bound=StrEnum)
RelationT = TypeVar("RelationT", bound=StrEnum)


class Verdict(StrEnum):
    ALLOWED = "allowed"
    FORBIDDEN = "403"
    HIDDEN = "404"


@dataclass(frozen=True)
class AccessTable(Generic[ActionT, RelationT]):
    allowed: Mapping[ActionT, Mapping[RelationT, frozenset[Role]]]
    """Per action and relation, the roles allowed; a missing relation allows no one."""
    reads: Mapping[ActionT, ActionT]
    """Per action, the action whose permission lets a refusal admit that the object exists."""
    anything: RelationT
    """The relation of an action on no one object."""

    def verdict(self, role: Role, action: ActionT, relation: RelationT) -> Verdict:
        if role in self.allowed[action].get(relation, frozenset()):
            return Verdict.ALLOWED
        if relation != self.anything and role not in self.allowed[self.reads[action]].get(relation, frozenset()):
            return Verdict.HIDDEN
        return Verdict.FORBIDDEN

    def authorise(self, role: Role, action: ActionT, relation: RelationT, what: str = "it") -> None:
        """Raises `NotFound` (hidden) or `Forbidden` unless the table allows it; `what` names
        the object as an absent one would be named ("bundle <id>")."""
        found = self.verdict(role, action, relation)
        if found is Verdict.HIDDEN:
            raise NotFound(f"{what} not found")
        if found is Verdict.FORBIDDEN:
            raise Forbidden(f"a {role.value} ({relation.value}) may not {action.value}")
