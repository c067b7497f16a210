"""The OpenAI request bodies tunewise accepts, validated in full: a field it does not know is an error naming
the field (as the OpenAI API does), never silently ignored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

STRICT = ConfigDict(extra="forbid")


class TextPart(BaseModel):
    model_config = STRICT
    type: Literal["text"]
    text: str = Field(max_length=200_000)


class Message(BaseModel):
    model_config = STRICT
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = Field(default=None)
    name: str | None = None
    # What an OpenAI client echoes back with an assistant message it received; accepted when empty.
    refusal: None = None
    tool_calls: None = None
    function_call: None = None
    annotations: list | None = None
    audio: None = None

    @model_validator(mode="after")
    def _plain(self):
        if isinstance(self.content, list):  # the parts form: only text parts exist here
            self.content = "".join(part.text for part in self.content)
        self.content = self.content or ""
        if len(self.content) > 200_000:
            raise ValueError("content is longer than 200,000 characters")
        if self.role == "developer":  # the newer name of the system role
            self.role = "system"
        if self.annotations:
            raise ValueError("annotations are not supported")
        return self


class Common(BaseModel):
    model_config = STRICT
    model: str
    temperature: float | None = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float | None = Field(default=1.0, ge=0.0, le=1.0)
    n: int | None = Field(default=1, ge=1, le=8)
    stop: str | list[str] | None = None
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    stream: bool | None = False
    user: str | None = None  # accepted for compatibility; not stored
    # Sent by some clients at their no-op values, which are accepted; any other value is refused.
    presence_penalty: Literal[0, 0.0] | None = None
    frequency_penalty: Literal[0, 0.0] | None = None
    logit_bias: dict[str, float] | None = Field(default=None, max_length=0)

    @model_validator(mode="after")
    def _defaults(self):
        self.temperature = 0.0 if self.temperature is None else self.temperature
        self.top_p = 1.0 if not self.top_p else self.top_p  # 0 means "only the likeliest" here too
        self.n, self.stream = self.n or 1, bool(self.stream)
        return self

    def stops(self) -> list[str] | None:
        return [self.stop] if isinstance(self.stop, str) else self.stop


class ChatRequest(Common):
    messages: list[Message] = Field(min_length=1, max_length=256)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool | None = False
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream_options: dict | None = None
    response_format: dict | None = None

    @model_validator(mode="after")
    def _supported(self):
        if self.response_format not in (None, {"type": "text"}):
            raise ValueError("response_format other than text is not supported")
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs needs logprobs: true")
        if self.stream and (self.n > 1 or self.logprobs):
            raise ValueError("stream works with n = 1 and without logprobs here")
        return self

    def budget(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class CompletionRequest(Common):
    prompt: str | list[str] = Field(min_length=1)
    max_tokens: int = Field(default=16, ge=0)
    logprobs: int | None = Field(default=None, ge=0, le=5)
    echo: bool = False

    def prompts(self) -> list[str]:
        return [self.prompt] if isinstance(self.prompt, str) else self.prompt
