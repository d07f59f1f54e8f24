"""The README's architecture section names every module of bot/ and nothing that is gone."""
import re

from bot.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Architecture", 1)[1].split("```", 2)[1]


def package_lines():
    """{package directory: the text of its entry} for the bot/ part of the block."""
    entries, current = {}, None
    for line in SECTION.splitlines():
        head = re.match(r"^  (\S+?)/?\s{2,}", line) or re.match(r"^  (\S+\.py(?:, \S+\.py)?)\s", line)
        if re.match(r"^\S", line):
            current = None
        elif head and not line.startswith("   "):
            current = head.group(1)
            entries.setdefault(current, "")
        if current is not None:
            entries[current] += line + "\n"
    return entries


def test_every_bot_module_is_described():
    text = SECTION
    missing = [str(path.relative_to(PROJECT_ROOT)) for path in sorted((PROJECT_ROOT / "bot").rglob("*.py"))
               if path.name not in ("__init__.py", "__main__.py") and path.name not in text]
    assert missing == []


def test_every_package_lists_only_its_own_modules():
    for name, entry in package_lines().items():
        folder = PROJECT_ROOT / "bot" / name
        if not folder.is_dir():
            continue
        named = set(re.findall(r"\b([a-z_]+\.py)\b", entry))
        assert named <= {p.name for p in folder.glob("*.py")}, (name, named - {p.name for p in folder.glob("*.py")})
        assert {p.name for p in folder.glob("*.py")} - {"__init__.py", "__main__.py"} <= named, name


def test_top_level_folders_exist():
    for folder in re.findall(r"^(\w[\w/]*?)/\s", SECTION, re.M):
        assert (PROJECT_ROOT / folder).exists(), folder
