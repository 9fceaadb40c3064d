"""The scenario YAML that tests write around the webshop example: its profile beside a
scenario whose steps the test gives, with the team and steady state those tests share."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLES

WEBSHOP_PROFILE = EXAMPLES / "webshop" / "profile.yaml"


def scenario_head(kind: str = "rehearsal") -> str:
    """A scenario's lines above ``phases:``: Kim operates, Sato watches, shop-http is steady."""
    return (
        f"kind: {kind}\n"
        "profile: profile.yaml\n"
        "team: {operators: [{name: Kim}], analysts: [{name: Sato}]}\n"
        "steady_state: [shop-http]\n"
    )


def webshop_scenario(
    folder: Path, body: str, kind: str = "rehearsal", profile_extra: str = ""
) -> Path:
    """Write ``profile.yaml`` (the webshop's, plus ``profile_extra``) and ``s.yaml`` (the
    shared head, then ``body``) into ``folder``; the scenario's path."""
    (folder / "profile.yaml").write_text(WEBSHOP_PROFILE.read_text() + profile_extra)
    scenario = folder / "s.yaml"
    scenario.write_text(scenario_head(kind) + body)
    return scenario
