"""`rasa test core` conversation tests against the running action server."""
import json
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT


def test_conversation_stories_pass(bot, tmp_path):
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "test", "core", "--model", bot.model, "--stories", "tests/conversations",
         "--endpoints", str(bot.endpoints), "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=PROJECT_ROOT, env=bot.env, capture_output=True, text=True, timeout=600)
    failed = tmp_path / "failed_test_stories.yml"
    assert result.returncode == 0, failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:]
    assert "None of the test stories failed" in failed.read_text(encoding="utf-8")
    # The report must cover every story's actions; a silently skipped file would leave it empty.
    report = json.loads((tmp_path / "story_report.json").read_text(encoding="utf-8"))
    assert report["conversation_accuracy"] == {"accuracy": 1.0, "correct": 4, "with_warnings": 0, "total": 4}
