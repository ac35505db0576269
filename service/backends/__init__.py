"""The model backends: one request to a model, one answer back.

`base` holds what every backend takes and gives back (ChatRequest,
Completion, Usage), the Backend protocol and the factory; `openai_compatible`
reaches any OpenAI-compatible server (with `response_formats` for how JSON is
asked for and `openai_errors` for the SDK's errors in the service's words);
`llama` runs the embedded model. `profile` is what the service assumes of a
model apart from its transport: the strategy, chunks asked at once, and what a
llama.cpp grammar literal may carry.

It may import the modules at the top of the package (errors, config); never
the pipeline, the checks or the HTTP layer.
"""
