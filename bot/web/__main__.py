"""Start the website: python -m bot.web"""
import os

from bot.settings import load_settings
from bot.storage.database import create_schema, make_engine, session_factory
from bot.web.app import create_app


def main() -> None:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    app = create_app(settings, session_factory(engine))
    app.run(host=os.environ.get("REFUND_WEB_HOST", "127.0.0.1"),
            port=int(os.environ.get("REFUND_WEB_PORT", "8000")), access_log=False, workers=1)


if __name__ == "__main__":
    main()
