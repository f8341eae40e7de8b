"""The web app in a real browser: headless Chromium (the system's package) driven by playwright-core.

Each scenario is a Node script beside this file (`browser.mjs` holds what they share); they run
against one local stack started for this module, with fake camera and microphone, and write their
screenshots under `build/screenshots/`. The stack allows booking without lead time
(`BOOKING_MIN_LEAD_MINUTES=0`) and leaves out the seeded demo tour (`REALTY_DEMO_TOUR=0`), so the
journey can book the demo realtor for the next quarter hour and start the tour straight away.

The web app is built (`npm ci` from `web/package-lock.json`, esbuild) by `tools.web`, as `make test`
does; Chromium is installed by `make test` (`python -m tools.web chromium`) when missing. Without
node or without Chromium the layer is skipped with the reason; a failing build fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.launcher import LaunchedStack, launched_stack
from tools import web

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.xdist_group("browser")]

HERE = Path(__file__).parent
SCREENSHOTS = web.ROOT / "build" / "screenshots"
SCRIPT_TIMEOUT_SECONDS = 240


@pytest.fixture(scope="module")
def chromium() -> str:
    if not shutil.which("node"):
        pytest.skip("node is needed to drive the browser (Node.js 20 or newer)")
    found = web.find_chromium()
    if not found:
        pytest.skip("chromium is not installed (make test installs it with apt-get: python -m tools.web chromium)")
    web.build()
    return found


@pytest.fixture(scope="module")
def stack(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedStack]:
    settings = {"BOOKING_MIN_LEAD_MINUTES": "0", "REALTY_DEMO_TOUR": "0"}
    with launched_stack(tmp_path_factory.mktemp("browser-stack"), env=settings) as launched:
        yield launched


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from PIL import Image, ImageDraw

    path = tmp_path_factory.mktemp("photos") / "front.jpg"
    image = Image.new("RGB", (1200, 800), (176, 196, 160))
    ImageDraw.Draw(image).rectangle((300, 300, 900, 700), fill=(150, 90, 70))
    image.save(path, "JPEG", quality=85)
    return path


def _run(script: str, stack: LaunchedStack, chromium: str, **extra: str) -> str:
    env = {
        **os.environ,
        "BASE_URL": stack.base_url,
        "CHROMIUM": chromium,
        "SCREENSHOTS": str(SCREENSHOTS),
        "WEB_DIR": str(web.WEB),
        **extra,
    }
    result = subprocess.run(
        ["node", str(HERE / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )
    output = f"{result.stdout}\n{result.stderr}".strip()
    assert result.returncode == 0, f"{script} failed:\n{output[-6000:]}\n--- stack log ---\n{stack.log_tail(3000)}"
    return output


def test_realtor_and_buyer_go_from_a_new_listing_to_the_tour_results(stack, chromium, photo):
    output = _run("journey.mjs", stack, chromium, PHOTO=str(photo))

    assert "journey:" in output
    for name in ("realtor-room", "buyer-room", "realtor-results", "buyer-bookings"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0


def test_every_main_page_has_no_serious_accessibility_violation(stack, chromium):
    _run("accessibility.mjs", stack, chromium)

    assert (SCREENSHOTS / "a11y-realtor-billing.png").exists()


def test_a_buyer_books_and_cancels_at_phone_width(stack, chromium):
    _run("phone.mjs", stack, chromium)

    assert (SCREENSHOTS / "phone-bookings.png").exists()


def test_the_session_is_renewed_early_and_a_401_returns_to_sign_in_keeping_the_form(stack, chromium):
    _run("session.mjs", stack, chromium)

    assert (SCREENSHOTS / "session-ended.png").exists()
