"""Serving a run over the OpenAI API (`tunewise serve`): its own prompt program, adapter or soft prompt, behind
/v1/models, /v1/chat/completions and /v1/completions, with requests from many clients batched on the model."""
