"""Our subgraph composes with an accounts subgraph under both composers; conflicts are caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.federation.node import HERE, accounts_sdl, compose

ROOT = HERE.parent.parent
COMPOSERS = ["apollo", "guild"]


@pytest.mark.parametrize("composer", COMPOSERS)
def test_schema_composes_with_an_accounts_subgraph(composer: str, tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"

    done = compose(
        composer,
        out,
        {
            "offers": ("http://127.0.0.1:1/graphql", ROOT / "schema.graphql"),
            "accounts": ("http://127.0.0.1:2/graphql", accounts_sdl(tmp_path)),
        },
    )

    assert done.returncode == 0, done.stderr
    supergraph = out.read_text()
    assert "cartPromotions" in supergraph and "personalizedOffers" in supergraph
    # The subscriptions compose too (Hive Gateway routes them: test_hive_gateway.py).
    assert "type Subscription" in supergraph
    assert "cartPromotionsChanged" in supergraph and "personalizedOfferChanged" in supergraph
    assert "name: String" in supergraph


@pytest.mark.parametrize("composer", COMPOSERS)
def test_a_conflicting_field_type_fails_composition(composer: str, tmp_path: Path) -> None:
    # The other subgraph says a customer's id is an Int: the two cannot compose.
    broken = tmp_path / "accounts.graphql"
    broken.write_text(accounts_sdl(tmp_path).read_text().replace("id: ID!", "id: Int!"))

    done = compose(
        composer,
        tmp_path / "supergraph.graphql",
        {
            "offers": ("http://127.0.0.1:1/graphql", ROOT / "schema.graphql"),
            "accounts": ("http://127.0.0.1:2/graphql", broken),
        },
    )

    assert done.returncode == 1
    assert "Customer.id" in done.stderr
    assert not (tmp_path / "supergraph.graphql").exists()
