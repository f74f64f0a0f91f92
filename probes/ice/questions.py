"""Identity questions: the project's bilingual set in ``assets/ice/questions.jsonl``."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from probes.assets import asset_path, iter_jsonl_objects

CATEGORIES = ("team", "cooperation", "industry", "technology", "geography")
LANGS = ("en", "zh")


class QuestionFileError(ValueError):
    """A question file that cannot be read; the message names file, line and the fix."""


@dataclass(frozen=True)
class Question:
    id: str
    category: str
    lang: str
    text: str
    pair: str  # shared by the English and Chinese versions of one question

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_questions_path() -> Path:
    return asset_path("ice", "questions.jsonl")


def load_questions(langs: Iterable[str] = LANGS, path: str | Path | None = None) -> list[Question]:
    """Questions in file order, keeping only ``langs``."""
    wanted = {lang.strip() for lang in langs if lang and lang.strip()}
    unknown = wanted - set(LANGS)
    if unknown:
        raise QuestionFileError(f"unknown language(s) {', '.join(sorted(unknown))}: use en, zh")
    path = Path(path) if path is not None else default_questions_path()
    out: list[Question] = []
    seen: set[str] = set()
    for _, where, obj in iter_jsonl_objects(path, QuestionFileError, missing="question file not found"):
        missing = [k for k in ("id", "category", "lang", "text", "pair")
                   if not isinstance(obj.get(k), str) or not obj[k].strip()]
        if missing:
            raise QuestionFileError(f"{where}: missing or empty field(s) {', '.join(missing)}")
        if obj["category"] not in CATEGORIES:
            raise QuestionFileError(f"{where}: category '{obj['category']}' is not one of "
                                    f"{', '.join(CATEGORIES)}")
        if obj["lang"] not in LANGS:
            raise QuestionFileError(f"{where}: lang '{obj['lang']}' is not en or zh")
        if obj["id"] in seen:
            raise QuestionFileError(f"{where}: duplicate question id '{obj['id']}'")
        seen.add(obj["id"])
        q = Question(id=obj["id"], category=obj["category"], lang=obj["lang"],
                     text=obj["text"].strip(), pair=obj["pair"])
        if q.lang in wanted:
            out.append(q)
    if not out:
        raise QuestionFileError(f"{path.name}: no questions in language(s) {', '.join(sorted(wanted))}")
    return out


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def infer_lang(text: str) -> str:
    """"zh" when the text holds Chinese characters, else "en"."""
    return "zh" if _CJK.search(text) else "en"


# Checked in order: a question about "the country of your team" is about geography first.
_CATEGORY_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("geography", re.compile(
        r"\b(?:where|headquarter\w*|country|countries|city|cities|region|located|location|based\s+in|"
        r"nationalit\w*|continent|office)\b|哪里|总部|国家|城市|地区|位于|所在地|地方|哪国|国籍|坐落", re.I)),
    ("cooperation", re.compile(
        r"\b(?:partner\w*|collaborat\w*|cooperat\w*|consultants?|international|multinational|"
        r"external|universit\w*|institutions?|open-source\s+contributors?|contributors?|"
        r"alliances?|joint|funds?|funding|investors?|licen[sc]e\w*|share|supplied|government)\b"
        r"|合作|伙伴|顾问|国际|跨国|外部|大学|联合|贡献者|联盟|资助|投资|授权|共享|提供的|政府", re.I)),
    ("industry", re.compile(
        r"\b(?:industry|market|position|parent\s+company|business|products?|services?|competitors?|"
        r"fields?|dedicated|customers?|revenue|sector)\b|行业|市场|定位|母公司|业务|产品|服务|竞争|领域|致力", re.I)),
    ("technology", re.compile(
        r"\b(?:technolog\w*|architecture|framework|algorithm\w*|technical|stack|training|trained|"
        r"platform|open-source\s+projects?|standards?|model|code|infrastructure)\b|技术|架构|框架|算法|训练|"
        r"平台|开源|标准|代码|模型", re.I)),
    ("team", re.compile(
        r"\b(?:team|developers?|developed|created|creat\w+|built|designed|company|organi[sz]ation|"
        r"who\s+made|makers?|engineers?|owns?|maintains?|released|thank|people)\b"
        r"|团队|开发者|开发|创建|设计|构建|公司|组织|谁|所有|维护|发布", re.I)),
)


def infer_category(text: str) -> str:
    """Best-effort category of a question not from our set ("unknown" when nothing fits)."""
    for name, rx in _CATEGORY_CUES:
        if rx.search(text):
            return name
    return "unknown"
