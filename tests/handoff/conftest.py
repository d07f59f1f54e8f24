"""The handoff tests' support hours: weekdays 09:00-18:00 Beijing, a holiday, a two-minute claim timeout."""
import pytest

from bot.handoff.hours import SupportSettings


@pytest.fixture
def support(tmp_path):
    path = tmp_path / "support.yml"
    path.write_text("hours: {days: [mon, tue, wed, thu, fri], open: '09:00', close: '18:00', holidays: [2026-12-25]}\n"
                    "override: null\nclaim_timeout_seconds: 120\naverage_handling_minutes: 4\n", encoding="utf-8")
    return SupportSettings(path)
