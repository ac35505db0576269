"""The container files: each passes its linter (which is shown to catch a one-line slip),
and compose.yaml, deploy/nginx.conf and the Dockerfile agree with one another."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import crossplane
import pytest
import yaml

from service.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE, DOCKERFILE, NGINX = ROOT / "compose.yaml", ROOT / "Dockerfile", ROOT / "deploy" / "nginx.conf"
DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}


def _failure(*command: str) -> str:
    """The command's output when it fails, else ''."""
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def lint_compose(path: Path) -> str:
    return _failure(sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path))


def lint_dockerfile(path: Path) -> str:
    return _failure(str(Path(sys.executable).with_name("hadolint")), "--no-color", str(path))


def parse_nginx(path: Path) -> dict:
    """crossplane's parse of the file where the nginx image includes it: inside `http`."""
    with tempfile.TemporaryDirectory() as folder:
        main = Path(folder, "nginx.conf")
        main.write_text(f"events {{}}\nhttp {{ include {path.resolve()}; }}\n")
        return crossplane.parse(str(main), check_ctx=True, check_args=True)


def lint_nginx(path: Path) -> str:
    return "; ".join(error["error"] for error in parse_nginx(path)["errors"])


LINTERS = {
    "compose": (lint_compose, COMPOSE),
    "dockerfile": (lint_dockerfile, DOCKERFILE),
    "nginx": (lint_nginx, NGINX),
}
SLIPS = {  # a one-line slip in a file, and what its linter says of it
    "compose-unknown-key": ("compose", ("\nvolumes:", "\nservces: {}\nvolumes:"), "'servces' does not match"),
    "compose-wrong-type": ("compose", ("${SUMMARIZER_REPLICAS:-3}", "[3]"), "is not of type"),
    "dockerfile-untagged": ("dockerfile", ("FROM python:3.11-slim AS build", "FROM python AS build"), "DL3006"),
    "nginx-no-semicolon": ("nginx", ("keepalive 32;", "keepalive 32"), 'not terminated by ";"'),
}


@pytest.mark.parametrize("linted", LINTERS)
def test_file_passes_its_linter(linted):
    lint, path = LINTERS[linted]
    assert lint(path) == ""


@pytest.mark.parametrize(("linted", "slip", "complaint"), SLIPS.values(), ids=SLIPS)
def test_linter_catches_a_slip(linted, slip, complaint, tmp_path):
    lint, path = LINTERS[linted]
    text = path.read_text()
    assert slip[0] in text, "the slip no longer applies to the file: update it"
    broken = tmp_path / path.name
    broken.write_text(text.replace(slip[0], slip[1], 1))
    assert complaint in lint(broken)


def with_defaults(value: object) -> str:
    """A compose value with each ${VAR:-default} replaced by its default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_replicas_are_reached_only_through_the_load_balancer(services):
    assert int(with_defaults(services["summarizer"]["deploy"]["replicas"])) >= 2
    assert [name for name, service in services.items() if "ports" in service] == ["lb"]
    listen = next(args[0] for name, args in nginx_directives() if name == "listen")
    assert [with_defaults(port).rsplit(":", 1)[1] for port in services["lb"]["ports"]] == [listen]


def test_replicas_share_one_cache_and_one_model_server(services):
    env = services["summarizer"]["environment"]
    cache = urlparse(env["SUMMARIZER_CACHE_URL"])
    assert cache.scheme == "redis" and services[cache.hostname]["image"].startswith("redis:")
    model_server = services[urlparse(env["SUMMARIZER_BASE_URL"]).hostname]
    command = model_server["command"]
    assert env["SUMMARIZER_MODEL"] in command
    assert command[command.index("--max-model-len") + 1] == str(env["SUMMARIZER_CONTEXT_TOKENS"])


def test_every_dependency_exists_and_reports_health_when_awaited(services):
    for service in services.values():
        needs = service.get("depends_on", {})
        for name, how in ({need: {} for need in needs} if isinstance(needs, list) else needs).items():
            assert name in services
            if how.get("condition") == "service_healthy":
                assert "healthcheck" in services[name] or (
                    "build" in services[name] and "\nHEALTHCHECK " in DOCKERFILE.read_text()
                ), f"{name} has no healthcheck"


def nginx_directives(block: list | None = None):
    """(name, args) of every directive in deploy/nginx.conf, nested ones included."""
    for directive in parse_nginx(NGINX)["config"][-1]["parsed"] if block is None else block:
        yield directive["directive"], directive["args"]
        yield from nginx_directives(directive.get("block", []))


def seconds(value: str) -> int:
    return int(value[:-1]) * {"s": 1, "m": 60}[value[-1]]


def test_nginx_balances_over_the_replicas_with_time_for_the_slowest_summary():
    found = list(nginx_directives())
    port = re.search(r"^EXPOSE (\d+)", DOCKERFILE.read_text(), re.MULTILINE).group(1)
    assert ("server", [f"summarizer:{port}", "resolve"]) in found
    timeouts = [seconds(args[0]) for name, args in found if name in ("proxy_read_timeout", "proxy_send_timeout")]
    assert len(timeouts) == 2 and min(timeouts) > DEFAULTS["deadline"]
    assert any(name == "proxy_set_header" and args[0] == "X-Request-ID" for name, args in found)
    body_limit = next(args[0] for name, args in found if name == "client_max_body_size")
    assert body_limit.endswith("m") and int(body_limit[:-1]) * 2**20 >= DEFAULTS["max_chars"] * 4  # UTF-8


def test_the_image_builds_every_package_of_the_wheel_and_installs_no_extra():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\S+) \./\1$", dockerfile, re.MULTILINE))
    assert set(setuptools["package-dir"].values()) <= copied, "the wheel is built from every folder it packages"
    installed = re.search(r"pip install [^\n]*?(newsroom-summarizer\S*)", dockerfile)
    assert installed is not None and installed.group(1) == "newsroom-summarizer", "no extra: matplotlib stays out"
