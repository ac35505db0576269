"""Model profiles: the strategy per backend and setting, and what a grammar literal may carry."""

from __future__ import annotations

from service.backends.profile import ModelProfile, grammar_label, profile_for, unsafe_grammar_literals


def test_the_embedded_model_chooses_and_a_server_writes_unless_told_otherwise():
    embedded, server = profile_for("llama"), profile_for("openai")
    assert (embedded.strategy, embedded.parallel_calls, embedded.chunk_tokens) == ("choose", 1, 2048)
    assert (server.strategy, server.parallel_calls, server.chunk_tokens) == ("write", 4, None)
    assert profile_for("openai", "choose") == ModelProfile("choose", parallel_calls=4, chunk_tokens=None)
    assert profile_for("llama", "write").strategy == "write"


def test_a_label_keeps_the_words_and_loses_what_breaks_a_grammar():
    assert grammar_label('The "Free Speech"\tAlliance\\Party\x00 🔥 Zürich') == "The Free Speech Alliance Party Zürich"
    assert grammar_label('"\\') == ""


def test_unsafe_literals_are_found_in_enums_consts_and_property_names():
    schema = {
        "type": "object",
        "properties": {
            'say "hi"': {"type": "string"},
            "label": {"type": "array", "items": {"enum": ["fine", "back\\slash"]}},
            "fixed": {"const": "new\nline"},
        },
    }
    assert sorted(unsafe_grammar_literals(schema)) == sorted(['say "hi"', "back\\slash", "new\nline"])
    assert unsafe_grammar_literals({"enum": ["Zürich", "Kalsu Base"]}) == []
