"""Test helpers for EvoKD: a tiny random-init BERT student, toy datasets, and a scripted
teacher served over real HTTP by the workbench's OpenAI-compatible test server.

The teacher's answers depend only on the request (prompt text and seed), so a resumed job
receives exactly the answers an uninterrupted one would.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from pathlib import Path
from typing import Callable

from workbench.devtools.openai_server import Behavior, FakeOpenAIServer

TOPICS = {
    "sports": ["The striker scored twice in the final match", "The team won the cup after extra time",
               "A young runner broke the national record", "The coach praised his players after the game",
               "Fans cheered as the tennis champion lifted the trophy", "The club signed a new goalkeeper",
               "The cyclist won the mountain stage", "Rain stopped play at the cricket ground",
               "The boxer kept his world title", "The league leaders lost at home"],
    "tech": ["The company released a faster laptop chip", "A new phone app encrypts every message",
             "Engineers built a robot that sorts parcels", "The software update fixed a security flaw",
             "Researchers trained a model on satellite images", "The startup launched a cloud storage service",
             "A bug in the browser leaked passwords", "The new console streams games in 4K",
             "Scientists unveiled a quantum computer prototype", "The network upgrade doubled internet speeds"],
    "food": ["The chef baked fresh bread with olive oil", "This soup recipe uses roasted tomatoes",
             "The restaurant serves spicy noodles and dumplings", "She cooked pasta with garlic and basil",
             "The bakery sells warm croissants every morning", "Grilled fish tastes best with lemon",
             "The market stall offers ripe mangoes and cheese", "He made a curry with lentils and rice",
             "The cafe added a vegan chocolate cake", "Fresh salad with avocado was on the menu"],
}
KEYWORDS = {
    "sports": ("match", "team", "runner", "coach", "game", "trophy", "club", "stage", "cricket", "boxer",
               "league", "goal", "player", "score", "race", "cup"),
    "tech": ("laptop", "phone", "robot", "software", "model", "cloud", "browser", "console", "quantum",
             "network", "chip", "app", "computer", "internet", "data"),
    "food": ("bread", "soup", "restaurant", "pasta", "bakery", "fish", "market", "curry", "cafe", "salad",
             "chef", "cake", "recipe", "cook", "menu"),
}
SUBJECTS = {
    "sports": ["The goalkeeper", "A rookie sprinter", "The veteran coach", "Our local club", "The cricket captain",
               "A tennis star", "The rugby team", "The league champion"],
    "tech": ["A new laptop", "The phone maker", "An open source app", "The robot lab", "A cloud provider",
             "The browser team", "A chip designer", "The network operator"],
    "food": ["The pastry chef", "A street food stall", "The new restaurant", "Grandma's soup recipe",
             "A vegan cafe", "The fish market", "The village bakery", "A curry house"],
}
ACTIONS = ["surprised everyone on {day}", "made headlines in {city}", "drew a big crowd in {city}",
           "announced a change on {day}", "was praised by critics in {city}", "tried something new on {day}"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CITIES = ["Leeds", "Lyon", "Osaka", "Austin", "Porto", "Oslo", "Cork", "Turin", "Perth", "Quito"]

NER_TRAIN = [
    ("Alice Brown visited Paris last spring .", [("Alice Brown", "PER"), ("Paris", "LOC")]),
    ("Bob Smith moved to Berlin .", [("Bob Smith", "PER"), ("Berlin", "LOC")]),
    ("Carol lives in Madrid with her cat .", [("Carol", "PER"), ("Madrid", "LOC")]),
    ("The mayor of Rome met David Jones .", [("Rome", "LOC"), ("David Jones", "PER")]),
    ("Eve flew from Tokyo to Seoul .", [("Eve", "PER"), ("Tokyo", "LOC"), ("Seoul", "LOC")]),
    ("Frank Miller works near Lisbon .", [("Frank Miller", "PER"), ("Lisbon", "LOC")]),
    ("Grace cooked dinner in Vienna .", [("Grace", "PER"), ("Vienna", "LOC")]),
    ("Henry Ford was born in Michigan .", [("Henry Ford", "PER"), ("Michigan", "LOC")]),
]
NER_TEST = [
    ("Irene walked around Prague .", [("Irene", "PER"), ("Prague", "LOC")]),
    ("Jack Black sang in Dublin .", [("Jack Black", "PER"), ("Dublin", "LOC")]),
    ("Kate met Liam in Oslo .", [("Kate", "PER"), ("Liam", "PER"), ("Oslo", "LOC")]),
]
NAMES = ["Maria Lopez", "Tom Hardy", "Nina", "Omar Khan", "Paul", "Rita Ora", "Sam Lee", "Tara"]
PLACES = ["Cairo", "Lima", "Delhi", "Nairobi", "Athens", "Warsaw", "Denver", "Hanoi"]


# -- student ------------------------------------------------------------------------------
def make_tiny_student(folder: Path) -> Path:
    """A 2-layer, hidden-32 BERT with random weights and the MiniLM tokenizer files."""
    from transformers import BertConfig, BertModel

    from workbench.distill.student import default_student_path

    folder.mkdir(parents=True, exist_ok=True)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=256)
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(folder))
    src = default_student_path()
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (src / name).exists():
            shutil.copy(src / name, folder / name)
    return folder


# -- datasets -----------------------------------------------------------------------------
def _ner_row(sentence: str, entities: list[tuple[str, str]]) -> dict:
    tokens = sentence.split()
    tags = ["O"] * len(tokens)
    for text, typ in entities:
        span = text.split()
        for i in range(len(tokens) - len(span) + 1):
            if tokens[i:i + len(span)] == span:
                tags[i] = f"B-{typ}"
                for j in range(i + 1, i + len(span)):
                    tags[j] = f"I-{typ}"
                break
    return {"tokens": tokens, "tags": tags}


def make_classification_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    train, test = [], []
    for label, texts in TOPICS.items():
        for i, text in enumerate(texts):
            (test if i >= 7 else train).append({"text": text + ".", "label": label})
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    (folder / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in test))
    (folder / "description.txt").write_text("short news snippets")
    return folder


def make_ner_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.jsonl").write_text("".join(json.dumps(_ner_row(s, e)) + "\n" for s, e in NER_TRAIN))
    (folder / "test.jsonl").write_text("".join(json.dumps(_ner_row(s, e)) + "\n" for s, e in NER_TEST))
    return folder


# -- teacher ------------------------------------------------------------------------------
def _last_user(messages: list[dict]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content", "")
            if isinstance(content, list):
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content)
    return ""


def keyword_label(text: str) -> str:
    low = text.lower()
    best = max(KEYWORDS, key=lambda k: sum(w in low for w in KEYWORDS[k]))
    return best


def _fresh_sentences(n: int, rng: random.Random, labels: list[str]) -> list[str]:
    out = []
    for i in range(n):
        label = labels[i % len(labels)]
        out.append(f"{rng.choice(SUBJECTS[label])} {rng.choice(ACTIONS).format(day=rng.choice(DAYS), city=rng.choice(CITIES))} "
                   f"with {rng.choice(KEYWORDS[label])} number {rng.randint(1, 999)}.")
    return out


def good_answer(prompt: str, seed: int) -> str:
    """A well-behaved teacher: valid JSON, sensible labels."""
    rng = random.Random(hashlib.sha256(f"{prompt}|{seed}".encode()).hexdigest())
    if "two or three sentences" in prompt:
        return "The student confuses tech with sports when texts mention teams. It should practise product news."
    if "List its entities" in prompt:
        sentence = prompt.split('Sentence: "', 1)[1].rsplit('"', 1)[0]
        return json.dumps({"entities": _entities_in(sentence)})
    if "Which label fits" in prompt:
        text = prompt.split('Text: "', 1)[1].rsplit('"', 1)[0]
        return json.dumps({"label": keyword_label(text)})
    m = re.search(r"Write (\d+) new", prompt)
    n = int(m.group(1)) if m else 3
    if "named entities" in prompt:
        items = [f"{rng.choice(NAMES)} travelled to {rng.choice(PLACES)} on {rng.choice(DAYS)} number {rng.randint(1, 999)} ."
                 for _ in range(n)]
        return json.dumps({"samples": [{"text": t, "entities": _entities_in(t)} for t in items]})
    items = _fresh_sentences(n, rng, list(TOPICS))
    # The intended label is the topic the sentence was written for (it may differ from the
    # keyword the separate labelling call finds).
    return json.dumps({"samples": [{"text": t, "label": list(TOPICS)[i % len(TOPICS)]}
                                   for i, t in enumerate(items)]})


def _entities_in(sentence: str) -> list[dict]:
    return ([{"text": n_, "type": "PER"} for n_ in NAMES if n_ in sentence]
            + [{"text": p, "type": "LOC"} for p in PLACES if p in sentence])


Responder = Callable[[str, int], str | Behavior]


class ScriptedTeacher(FakeOpenAIServer):
    """The workbench's test server, answering each request from its prompt and seed."""

    def __init__(self, responder: Responder = good_answer, chunk_delay_s: float = 0.0):
        super().__init__()
        self.responder = responder
        self.chunk_delay_s = chunk_delay_s

    async def _route(self, method, path, body, writer):  # type: ignore[override]
        if method == "POST" and path.rstrip("/").endswith("/chat/completions") and not self.plan:
            try:
                req = json.loads(body or b"{}")
            except json.JSONDecodeError:
                req = {}
            answer = self.responder(_last_user(req.get("messages", [])), int(req.get("seed") or 0))
            behavior = answer if isinstance(answer, Behavior) else Behavior(
                text=answer, chunk_delay_s=self.chunk_delay_s)
            # Queued and taken before the first await: concurrent requests cannot swap answers.
            self.plan.appendleft(behavior)
        return await super()._route(method, path, body, writer)


def write_teacher_config(path: Path, url: str, *, max_retries: int = 0, timeout: float = 20.0) -> Path:
    path.write_text(
        f'[models.teacher]\nmodel = "openai/teacher"\napi_base = "{url}"\n'
        f"max_retries = {max_retries}\ntimeout = {timeout}\nmax_concurrency = 4\n", encoding="utf-8")
    return path
