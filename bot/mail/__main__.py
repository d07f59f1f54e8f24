"""`python -m bot.mail`: the mail intake service (bot/mail/server.py)."""
import sys

# The chat's entity patterns use spaCy, whose thinc layer imports TensorFlow when it is installed
# (it is, for Rasa): about 370 MB and 3 s of CPU this process never needs. Mark it absent first.
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]

from bot.mail.server import main  # noqa: E402

if __name__ == "__main__":
    main()
