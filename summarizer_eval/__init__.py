"""`summarizer eval` and the benchmarks' scoring: developer tools, not part of the service.

It owns reading annotated articles and running them through the pipeline
(`evaluation`), the scorer (`scoring`), the no-model baseline (`baseline`),
the terminal table and report folder (`report`) and the command itself
(`command`). It needs the `eval` extra (matplotlib, tqdm):

    pip install 'newsroom-summarizer[eval]'

It may import the service; the service never imports it, so `summarizer serve`
loads none of it.
"""
