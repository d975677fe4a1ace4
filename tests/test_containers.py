"""Container files, checked statically: no Docker engine runs where the tests run."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_migrations_once_before_the_api() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api"}
    assert services["migrate"]["command"] == ["cx360", "migrate"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for database in ("postgres", "redis"):
        assert services[database]["healthcheck"]["test"]
    api_env = services["api"]["environment"]
    assert api_env["CX360_REDIS_URL"].startswith("redis://")  # budgets shared by workers
    assert "--workers" in services["api"]["command"]
    assert api_env["PROMETHEUS_MULTIPROC_DIR"] in services["api"]["tmpfs"][0]


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2
    assert "USER cx360" in dockerfile and "useradd" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "-c requirements.lock" in dockerfile  # pinned dependencies
    assert 'CMD ["cx360", "serve"]' in dockerfile
