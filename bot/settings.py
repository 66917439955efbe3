"""The adapters' settings: the Telegram bot and the HTTP service, from the environment and `.env`.

The core's settings (storage, model, search) are `retrieval.settings.Settings`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class AdapterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_by_name=True)

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="Another Bot API server: its root (http://127.0.0.1:8081) or the …/bot form.",
    )
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="Where the HTTP service is reachable: passage permalinks and page links.",
    )
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
    webhook_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="This service's public URL; the bot's webhook is set under it.",
    )
    sync_interval_minutes: float | None = Field(
        default=None,
        gt=0,
        description="The bot fetches new Kamervragen and answers this often (unset: never).",
    )
    max_alerts_per_day: int = Field(
        default=5, ge=0, description="Alerts for followed topics a chat gets in 24 hours, at most."
    )

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(p) for p in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def webhook_enabled(self) -> bool:
        return self.telegram_bot_token is not None and self.webhook_secret is not None

    def bot_api_urls(self) -> tuple[str, str] | None:
        """(base URL, file base URL) in python-telegram-bot's form, for TELEGRAM_API_BASE_URL.

        A Bot API server's root (`http://127.0.0.1:8081`, as a local telegram-bot-api server is
        written) and PTB's `…/bot` form give the same: `…/bot` and `…/file/bot`.
        """
        if not self.telegram_api_base_url:
            return None
        root = self.telegram_api_base_url.rstrip("/").removesuffix("/bot")
        return f"{root}/bot", f"{root}/file/bot"
