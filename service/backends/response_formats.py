"""How a model server is asked for JSON, and which way of asking it takes.

Best first:

- `json_schema`: strict Structured Outputs (OpenAI, vLLM, Ollama, llama.cpp's server);
- `json_object+schema`: `{"type": "json_object", "schema": ...}`, which the llama.cpp
  family (llama-cpp-python's server among them, which answers `json_schema` with HTTP
  500) enforces as a grammar;
- `json_object`: any JSON, the schema told in the prompt;
- `prompt`: no response_format at all, the schema told in the prompt.

Servers word a rejection differently and not always with a 4xx: llama-cpp-python's
answers 500 with a validation traceback. So a format is given up when the server's
error text rejects it, whatever the status; the rest is the transport layer's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from .base import ChatRequest

log = logging.getLogger(__name__)

ResponseFormat = Literal["json_schema", "json_object+schema", "json_object", "prompt"]
ResponseFormatSetting = Literal["auto", "json_schema", "json_object", "prompt"]

# The formats tried, in order, for each SUMMARIZER_RESPONSE_FORMAT. A pinned `json_object`
# still sends the schema beside it where the server takes it.
FORMATS_TRIED: dict[ResponseFormatSetting, tuple[ResponseFormat, ...]] = {
    "auto": ("json_schema", "json_object+schema", "json_object", "prompt"),
    "json_schema": ("json_schema",),
    "json_object": ("json_object+schema", "json_object"),
    "prompt": ("prompt",),
}
# The server holds the answer to the schema itself in these; the others are told it in the prompt.
ENFORCED: frozenset[ResponseFormat] = frozenset({"json_schema", "json_object+schema"})

# An error that names the response format, a structured-output feature or a JSON Schema keyword.
_REJECTS_FORMAT = re.compile(
    r"response_format|json[_ ]?schema|structured[ _]output|guided[ _]json|grammar"
    r"|\b(additionalProperties|minItems|maxItems|minLength|maxLength|enum|const|anyOf|oneOf|\$ref|strict)\b",
    re.IGNORECASE,
)


class JsonSchemaFormat(TypedDict):
    name: str
    schema: Mapping[str, Any]
    strict: bool


class ResponseFormatField(TypedDict, total=False):
    type: Literal["json_schema", "json_object"]
    json_schema: JsonSchemaFormat
    schema: Mapping[str, Any]


def rejects_response_format(error_text: str) -> bool:
    """Whether a server's error says that it does not take the way the answer's JSON was asked for."""
    return bool(_REJECTS_FORMAT.search(error_text))


def response_format_field(response_format: ResponseFormat, request: ChatRequest) -> ResponseFormatField | None:
    """The request body's `response_format`, or None for the prompt-only format."""
    if response_format == "json_schema":
        schema = JsonSchemaFormat(name=request.schema_name, schema=request.schema, strict=True)
        return ResponseFormatField(type="json_schema", json_schema=schema)
    if response_format == "json_object+schema":
        return ResponseFormatField(type="json_object", schema=request.schema)
    if response_format == "json_object":
        return ResponseFormatField(type="json_object")
    return None


class Negotiation:
    """The formats not yet rejected by the server, best first; the first is the one in use.

    One per backend: once the server has rejected a format, no later request tries it again.
    """

    def __init__(self, setting: ResponseFormatSetting, server: str):
        self._left = FORMATS_TRIED[setting]
        self._server = server

    @property
    def current(self) -> ResponseFormat:
        return self._left[0]

    def give_up(self, rejected: ResponseFormat, status: int) -> bool:
        """Move past a format the server rejected; False when none is left to try.

        Requests in flight together may all see the same rejection; the move is made, and
        logged, once.
        """
        if rejected not in self._left:
            return True  # another request has moved past it already
        following = self._left[self._left.index(rejected) + 1 :]
        if not following:
            return False
        self._left = following
        log.warning(
            "the model server at %s rejected response_format %s (HTTP %d); asking with %s from now on",
            self._server, rejected, status, self.current,
        )
        return True
