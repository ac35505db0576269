"""The checks of a model's answer: nothing unverified is returned.

`validate` parses the answer as JSON and holds it to its JSON Schema; `answer`
is the schema-valid answer as typed models; `ground` keeps the items whose
quotes and names are found in the article, with offsets computed here.

It may import the modules at the top of the package (errors, text, summary) and
the backends' Completion that it judges; never the pipeline or the HTTP layer.
"""
