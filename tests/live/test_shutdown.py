"""SIGTERM completes every subscription cleanly, and the process exits soon after."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from tests.live.wire import sse_stream, ws_session
from tests.serving import running_gateway

CART = """subscription ($id: ID!) { cartPromotionsChanged(customerId: $id) { promotionId } }"""


async def test_sigterm_completes_websocket_and_sse_subscriptions(
    database_dsn: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_dsn, "GATEWAY_DATA_DIR": str(tmp_path / "state")}
    with running_gateway(env, log=tmp_path / "serve.log") as (base, process):
        url = f"{base}/graphql"
        async with (
            ws_session(url) as ws,
            sse_stream(url, CART, {"id": "demo-loyal"}) as events,
        ):
            await ws.subscribe("1", CART, id="demo-loyal")
            assert (await ws.message("1"))["type"] == "next"
            assert (await anext(events))[0] == "next"

            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            completed = await ws.message("1", timeout_s=5)
            sse_last = await asyncio.wait_for(anext(events), 5)
        exit_code = await asyncio.to_thread(process.wait, 15)
        exited_after = time.monotonic() - signalled

    assert completed == {"id": "1", "type": "complete"}
    assert sse_last[0] == "complete"
    assert exit_code == 0
    assert exited_after < 5, f"exited {exited_after:.1f} s after SIGTERM"
