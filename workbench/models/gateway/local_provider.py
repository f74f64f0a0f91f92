"""``local/...`` models as a litellm custom provider (an adapter over ``workbench.models.local``)."""

from __future__ import annotations

from typing import Any

from .. import local


def make_local_provider() -> Any:
    """Build the litellm CustomLLM handler for ``local/...``: an in-process model
    (:func:`workbench.models.local.stream_local`) served as a litellm provider. Imports litellm:
    called by :func:`load_litellm`."""
    from litellm import CustomLLM
    from litellm.llms.custom_llm import CustomLLMError

    class LocalProvider(CustomLLM):
        async def astreaming(self, model: str, messages: list, *args: Any, **kwargs: Any):
            params = kwargs.get("optional_params") or {}
            try:
                async for item in local.stream_local(
                    model, messages, max_tokens=params.get("max_tokens"),
                    temperature=params.get("temperature"), top_p=params.get("top_p"),
                    seed=params.get("seed"),
                ):
                    if item.get("done"):
                        pt, ct = item.get("prompt_tokens", 0), item.get("completion_tokens", 0)
                        yield {"text": "", "is_finished": True, "index": 0, "tool_use": None,
                               "finish_reason": item.get("finish_reason", "stop"),
                               "usage": {"prompt_tokens": pt, "completion_tokens": ct,
                                         "total_tokens": pt + ct}}
                    else:
                        yield {"text": item["text"], "is_finished": False, "index": 0,
                               "tool_use": None, "finish_reason": "", "usage": None}
            except local.LocalModelError as exc:
                raise CustomLLMError(status_code=400, message=str(exc)) from exc

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any):
            import litellm

            parts: list[str] = []
            usage: dict[str, Any] = {}
            async for chunk in self.astreaming(model, messages, *args, **kwargs):
                parts.append(chunk["text"])
                if chunk.get("usage"):
                    usage = chunk["usage"]
            return litellm.ModelResponse(
                model=f"local/{model}",
                choices=[{"message": {"role": "assistant", "content": "".join(parts)},
                          "finish_reason": "stop", "index": 0}],
                usage=usage or None,
            )

    return LocalProvider()
