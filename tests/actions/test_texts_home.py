"""Customer texts live in the domain's replies modules (bot/refunds/replies.py,
bot/refunds/ticket_replies.py, bot/handoff/replies.py, ...), not inline in the actions."""
import ast

from bot.settings import PROJECT_ROOT

# Words customers type (what the actions listen for), not what the assistant says.
UNDERSTOOD_WORDS = {"evidence.py", "handoff.py"}


def chinese_literals(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(path.name, node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and any("\u4e00" <= ch <= "\u9fff" for ch in node.value)]


def test_actions_say_nothing_of_their_own():
    found = [hit for path in sorted((PROJECT_ROOT / "actions").glob("*.py")) for hit in chinese_literals(path)]
    allowed = [hit for hit in found if hit[0] in UNDERSTOOD_WORDS and len(hit[2]) <= 6]
    assert [hit for hit in found if hit not in allowed] == []
