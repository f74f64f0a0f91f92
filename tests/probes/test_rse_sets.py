import json

import pytest

from probes.rse.sets import SETS_DIR, PromptSetError, builtin_sets, load_set


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_builtin_sets_are_present_and_large_enough():
    assert {"arena", "math", "chat"} <= set(builtin_sets())
    for name in ("arena", "math", "chat"):
        s = load_set(name)
        assert s.name == name
        assert len(s) >= 30
        assert len(set(s.ids)) == len(s)
        assert s.digest and len(s.digest) == 64
        for item in s:
            assert item.messages[-1]["role"] == "user"
            assert item.prompt.strip()


def test_builtin_math_items_carry_short_answers():
    for item in load_set("math"):
        assert item.meta["answer"]
        assert len(item.meta["answer"]) <= 10


def test_builtin_chat_items_are_conversations():
    items = list(load_set("chat"))
    assert all(item.multi_turn for item in items)
    for item in items:
        roles = [m["role"] for m in item.messages]
        assert roles[0] == "user" and roles[-1] == "user"
        assert all(a != b for a, b in zip(roles, roles[1:]))


def test_sets_dir_is_the_repository_assets_folder():
    assert SETS_DIR.name == "rse" and SETS_DIR.parent.name == "assets"


def test_any_jsonl_file_imports_as_a_set(tmp_path):
    path = write(
        tmp_path,
        "my-probes.jsonl",
        [
            json.dumps({"id": "a", "prompt": "Hi there", "category": "greeting"}),
            "",
            json.dumps({"id": 7, "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "One"},
                {"role": "assistant", "content": "Two"},
                {"role": "user", "content": "Three?"},
            ]}),
        ],
    )
    s = load_set(path)
    assert s.name == "my-probes"
    assert s.ids == ["a", "7"]
    assert s.get("a").messages == [{"role": "user", "content": "Hi there"}]
    assert s.get("a").meta == {"category": "greeting"}
    assert s.get("7").prompt == "Three?"
    assert s.get("7").multi_turn
    assert load_set(str(path)).ids == s.ids
    assert len(s.head(1)) == 1 and len(s.head(None)) == 2


def test_messages_are_fresh_copies(tmp_path):
    s = load_set(write(tmp_path, "x.jsonl", [json.dumps({"id": "a", "prompt": "Hi"})]))
    msgs = s.get("a").messages
    msgs.append({"role": "assistant", "content": "changed"})
    assert len(s.get("a").messages) == 1


def test_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "a", "prompt": "Hi"}).encode())
    assert load_set(path).ids == ["a"]


@pytest.mark.parametrize(
    "lines, expected",
    [
        (['{"id": "a", "prompt": "x"', ], r"bad\.jsonl:1: invalid JSON"),
        ([json.dumps({"id": "a", "prompt": "x"}), "not json"], r"bad\.jsonl:2: invalid JSON"),
        (["[1, 2]"], r":1: expected a JSON object"),
        ([json.dumps({"prompt": "x"})], r':1: missing "id"'),
        ([json.dumps({"id": "  ", "prompt": "x"})], r':1: "id" is empty'),
        ([json.dumps({"id": True, "prompt": "x"})], r':1: "id" must be a string or an integer'),
        ([json.dumps({"id": "a", "prompt": "x"}), json.dumps({"id": "b", "prompt": "y"}), json.dumps({"id": "a", "prompt": "z"})],
         r":3: duplicate id 'a' \(first used on line 1\)"),
        ([json.dumps({"id": "1", "prompt": "x"}), json.dumps({"id": 1, "prompt": "y"})], r":2: duplicate id '1'"),
        ([json.dumps({"id": "a"})], r':1: row \'a\' has neither "prompt" nor "messages"'),
        ([json.dumps({"id": "a", "prompt": "x", "messages": []})], r"has both"),
        ([json.dumps({"id": "a", "prompt": ""})], r'"prompt" of row \'a\' must be a non-empty string'),
        ([json.dumps({"id": "a", "prompt": 3})], r'must be a non-empty string'),
        ([json.dumps({"id": "a", "messages": []})], r'"messages" of row \'a\' must be a non-empty list'),
        ([json.dumps({"id": "a", "messages": "hi"})], r"must be a non-empty list"),
        ([json.dumps({"id": "a", "messages": [{"role": "user"}]})], r'message 1 of row \'a\' needs "role" and "content"'),
        ([json.dumps({"id": "a", "messages": [{"role": "human", "content": "x"}]})], r"has role 'human': use system, user or assistant"),
        ([json.dumps({"id": "a", "messages": [{"role": "user", "content": ""}]})], r"empty or non-text"),
        ([json.dumps({"id": "a", "messages": [{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]})],
         r"has assistant where user should come"),
        ([json.dumps({"id": "a", "messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]})],
         r"has user where assistant should come"),
        ([json.dumps({"id": "a", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]})],
         r"ends on an assistant turn"),
        ([json.dumps({"id": "a", "messages": [{"role": "user", "content": "x"}, {"role": "system", "content": "y"}]})],
         r"system message after the first turn"),
        ([json.dumps({"id": "a", "messages": [{"role": "system", "content": "x"}]})], r"only a system message"),
        (["", "   "], r"bad\.jsonl: no prompts in the file"),
    ],
)
def test_malformed_files_fail_with_a_one_line_message(tmp_path, lines, expected):
    path = write(tmp_path, "bad.jsonl", lines)
    with pytest.raises(PromptSetError, match=expected) as info:
        load_set(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(PromptSetError, match="no prompts"):
        load_set(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(json.dumps({"id": "a", "prompt": "x"}).encode() + b"\n" + b'{"id": "b", "prompt": "caf\xe9"}\n')
    with pytest.raises(PromptSetError, match=r"latin\.jsonl:2: not valid UTF-8"):
        load_set(path)


def test_unknown_name_lists_the_known_sets():
    with pytest.raises(PromptSetError) as info:
        load_set("arenaa")
    message = str(info.value)
    assert "unknown prompt set 'arenaa'" in message
    for name in ("arena", "chat", "math"):
        assert name in message


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(PromptSetError, match="file not found"):
        load_set(tmp_path / "nope.jsonl")
    with pytest.raises(PromptSetError, match="is a directory"):
        load_set(tmp_path)
