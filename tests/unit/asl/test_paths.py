"""JSONPath reading and writing (Jayway semantics, as Step Functions uses)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sluiceway.asl.paths import (
    PathNotFound,
    PathSyntaxError,
    ResultPathError,
    is_path,
    parse_path,
    set_path,
)

STORE = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "price": 12.99},
            {
                "category": "fiction",
                "author": "Herman Melville",
                "isbn": "0-553-21311-3",
                "price": 8.99,
            },
            {
                "category": "fiction",
                "author": "J. R. R. Tolkien",
                "isbn": "0-395-19395-8",
                "price": 22.99,
            },
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
    "my key": 1,
    "error-info": {"a": 1},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", STORE),
        ("$.store.bicycle.color", "red"),
        ("$['store']['bicycle']['color']", "red"),
        ('$["store"].bicycle["price"]', 19.95),
        ("$['my key']", 1),
        ("$.error-info.a", 1),
        ("$.store.book[0].author", "Nigel Rees"),
        ("$.store.book[-1].author", "J. R. R. Tolkien"),
        (
            "$.store.book[*].author",
            ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"],
        ),
        ("$.store.book[0,2].price", [8.95, 8.99]),
        ("$.store.book[1:3].price", [12.99, 8.99]),
        ("$.store.book[:1].price", [8.95]),
        ("$.store.book[-2:].price", [8.99, 22.99]),
        ("$.store.bicycle.*", ["red", 19.95]),
        ("$..isbn", ["0-553-21311-3", "0-395-19395-8"]),
        ("$.store..price", [8.95, 12.99, 8.99, 22.99, 19.95]),
        ("$.store.book[?(@.isbn)].author", ["Herman Melville", "J. R. R. Tolkien"]),
        ("$.store.book[?(@.price < 10)].price", [8.95, 8.99]),
        ("$.store.book[?(@.category == 'fiction' && @.price > 20)].author", ["J. R. R. Tolkien"]),
        ('$.store.book[?(@.author == "Nigel Rees" || @.price >= 22.99)].price', [8.95, 22.99]),
        ("$.store.book[?(!(@.category == 'fiction'))].author", ["Nigel Rees"]),
        ("$.store.book[*].missing", []),
    ],
)
def test_read(path: str, expected: Any) -> None:
    assert parse_path(path).read(STORE) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        # Jayway's messages, which AWS shows in the cause of States.Runtime failures.
        ("$.Payload", "No results for path: $['Payload']"),
        ("$.store.bicycle.size", "No results for path: $['store']['bicycle']['size']"),
        ("$.nope.x", "Missing property in path $['nope']"),
        ("$.store.book[9]", "No results for path: $['store']['book'][9]"),
        ("$['my key'][0]", "Filter: [0] can only be applied to arrays. Current context is: 1"),
    ],
)
def test_read_missing(path: str, message: str) -> None:
    with pytest.raises(PathNotFound) as raised:
        parse_path(path).read(STORE)
    assert str(raised.value) == message


def test_normalized_form() -> None:
    assert str(parse_path("$.a.b[0]['c d']")) == "$['a']['b'][0]['c d']"
    assert str(parse_path("$$.Execution.Id")) == "$$['Execution']['Id']"


@pytest.mark.parametrize(
    "text", ["", "a.b", "$.", "$..", "$[", "$[a]", "$.a b", "$.a[1:2:3]", "$[?(@.a ==)]", 5]
)
def test_invalid_paths(text: Any) -> None:
    assert not is_path(text)
    with pytest.raises((PathSyntaxError, TypeError)):
        parse_path(text)


def test_definite_and_reference() -> None:
    assert parse_path("$.a[0].b").is_reference
    assert not parse_path("$.a[-1]").is_reference
    assert not parse_path("$.a[*]").definite
    assert not parse_path("$..a").is_reference
    assert parse_path("$$.Map.Item.Index").context


def test_set_path_resultpath_doc_examples() -> None:
    # Developer guide, "ResultPath": include the result, insert it into a child node, update a node.
    given_input = {
        "comment": "An input comment.",
        "strings": {"string1": "foo", "string2": "bar", "string3": "baz"},
        "who": "AWS Step Functions",
    }
    result = "Hello, AWS Step Functions!"
    assert set_path(given_input, parse_path("$.taskresult"), result)["taskresult"] == result
    assert set_path(given_input, parse_path("$.strings.lambdaresult"), result)["strings"] == {
        "string1": "foo",
        "string2": "bar",
        "string3": "baz",
        "lambdaresult": result,
    }
    assert set_path(given_input, parse_path("$.comment"), result)["comment"] == result
    assert set_path(given_input, parse_path("$"), result) == result
    assert given_input["comment"] == "An input comment."  # the input is never modified


def test_set_path_creates_objects_and_updates_array_items() -> None:
    assert set_path({}, parse_path("$.a.b.c"), 1) == {"a": {"b": {"c": 1}}}
    assert set_path({"a": [1, {"x": 0}]}, parse_path("$.a[1].x"), 5) == {"a": [1, {"x": 5}]}


@pytest.mark.parametrize(
    ("data", "path"),
    [("text", "$.a"), ({"a": "text"}, "$.a.b"), ({"a": [1]}, "$.a[3]"), ({"a": {}}, "$.a[0]")],
)
def test_set_path_failure(data: Any, path: str) -> None:
    with pytest.raises(ResultPathError, match="Unable to apply ReferencePath"):
        set_path(data, parse_path(path), 1)


_names = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters="_-"), min_size=1, max_size=8
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_names, children, max_size=3),
    max_leaves=10,
)


@given(
    data=st.dictionaries(_names, _json, max_size=4),
    names=st.lists(_names, min_size=1, max_size=4),
    value=_json,
)
def test_reading_back_what_resultpath_wrote(
    data: dict[str, Any], names: list[str], value: Any
) -> None:
    path = parse_path("$." + ".".join(names))
    try:
        written = set_path(data, path, value)
    except ResultPathError:
        return  # the path crosses a value that is not an object
    assert path.read(written) == value
    bracketed = parse_path("$" + "".join(f"['{name}']" for name in names))
    assert bracketed.read(written) == value


@given(data=st.dictionaries(_names, _json, max_size=4), name=_names, value=_json)
def test_resultpath_keeps_the_other_fields(data: dict[str, Any], name: str, value: Any) -> None:
    written = set_path(data, parse_path(f"$['{name}']"), value)
    assert {k: v for k, v in written.items() if k != name} == {
        k: v for k, v in data.items() if k != name
    }


@given(items=st.lists(_json, max_size=6))
def test_wildcard_and_indexes_agree(items: list[Any]) -> None:
    data = {"items": items}
    assert parse_path("$.items[*]").read(data) == items
    for index in range(-len(items), len(items)):
        assert parse_path(f"$.items[{index}]").read(data) == items[index]
