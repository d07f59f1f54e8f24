"""Start the website: python -m bot.web"""
import sys

from bot.observability.logs import configure_json_logging
from bot.settings import load_settings
from bot.storage.migrations import SchemaError
from bot.web.app import create_app
from bot.wiring import build_services


def main() -> None:
    configure_json_logging()
    settings = load_settings()
    try:
        services = build_services(settings)
    except SchemaError as exc:
        sys.exit(f"error: {exc}")
    app = create_app(services)
    app.run(host=settings.web_host, port=settings.web_port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
