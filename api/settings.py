"""Typed settings read from `CX360_*` environment variables (and an optional `.env`)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CX360_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./cx360.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    database_pool_size: int = Field(default=10, description="PostgreSQL connections per worker.")
    host: str = Field(default="127.0.0.1", description="Address `cx360 serve` binds to.")
    port: int = Field(default=8000, description="Port `cx360 serve` listens on.")
    workers: int = Field(default=1, description="Worker processes for `cx360 serve`.")
    graphiql: bool = Field(default=True, description="Serve the GraphiQL IDE on GET /graphql.")
    log_level: str = Field(default="info", description="Log level for the server and SQL.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
