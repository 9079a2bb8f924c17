"""Device facts from real user-agent strings."""

from __future__ import annotations

import pytest

from gateway.evaluator import device_from_user_agent
from gateway.evaluator.device import use_parser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

CASES = [
    # user agent, type, os, browser
    (IPHONE, "mobile", "iOS", "Mobile Safari"),
    (IPAD, "tablet", "iOS", "Mobile Safari"),
    (WINDOWS_CHROME, "desktop", "Windows", "Chrome"),
    (ANDROID_PHONE, "mobile", "Android", "Chrome Mobile"),
    (ANDROID_TABLET, "tablet", "Android", "Chrome"),
    (MAC_SAFARI, "desktop", "Mac OS X", "Safari"),
    (LINUX_FIREFOX, "desktop", "Linux", "Firefox"),
    (GOOGLEBOT, "bot", None, "Googlebot"),
    ("curl/8.0", "other", None, "curl"),
]


@pytest.mark.parametrize(("user_agent", "device_type", "os", "browser"), CASES)
def test_device_from_user_agent(
    user_agent: str, device_type: str, os: str | None, browser: str
) -> None:
    device = device_from_user_agent(user_agent)
    assert (device.type, device.os, device.browser) == (device_type, os, browser)


def test_versions_and_brand() -> None:
    device = device_from_user_agent(IPHONE)
    assert (device.os_version, device.browser_version, device.brand) == ("17.4", "17.4", "Apple")


def test_no_user_agent_is_an_unknown_device() -> None:
    assert device_from_user_agent(None).type is None
    assert device_from_user_agent("").os is None


def test_huge_user_agents_are_truncated_and_cached() -> None:
    first = device_from_user_agent(WINDOWS_CHROME + " x" * 10_000)
    assert first.browser == "Chrome"
    assert device_from_user_agent(WINDOWS_CHROME + " x" * 20_000) is first


@pytest.mark.parametrize("user_agent", [case[0] for case in CASES])
def test_the_compact_parser_sees_what_the_fast_one_sees(user_agent: str) -> None:
    fast = device_from_user_agent(user_agent)
    use_parser("compact")
    try:
        compact = device_from_user_agent(user_agent)
    finally:
        use_parser("fast")

    assert compact == fast
    assert device_from_user_agent(user_agent) == fast
