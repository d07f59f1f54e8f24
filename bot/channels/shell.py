"""Chat with the running assistant in a terminal (`make shell`), over the development REST
channel of the Rasa server that `make run` started (the demo customer stands in there).

    python -m bot.channels.shell [--url http://127.0.0.1:5005] [--sender NAME]
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List


def send(url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    """One turn: the assistant's messages in answer to `text`."""
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read().decode("utf-8"))


def show(message: Dict[str, Any]) -> str:
    """A message as terminal text; buttons are numbered so the customer can type the number."""
    lines = [message.get("text") or ""]
    for number, button in enumerate(message.get("buttons") or [], start=1):
        lines.append(f"  [{number}] {button.get('title')}")
    return "\n".join(line for line in lines if line)


def main() -> int:
    parser = argparse.ArgumentParser(description="Chat with the refund assistant in a terminal.")
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="the Rasa server (make run)")
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}", help="conversation id")
    args = parser.parse_args()
    print("已连接云途退款助手（输入 /quit 退出，输入按钮前的数字即点选该按钮）")
    buttons: List[Dict[str, Any]] = []
    while True:
        try:
            text = input("您：").strip()
        except (EOFError, KeyboardInterrupt):
            return 0
        if text in ("/quit", "/exit"):
            return 0
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1].get("payload") or text
        try:
            answers = send(args.url.rstrip("/"), args.sender, text)
        except (urllib.error.URLError, OSError) as exc:
            print(f"无法连接助手（{exc}）：请先在另一个终端运行 make run。", file=sys.stderr)
            continue
        buttons = [b for m in answers for b in (m.get("buttons") or [])]
        for message in answers:
            print("助手：" + show(message))


if __name__ == "__main__":
    sys.exit(main())
