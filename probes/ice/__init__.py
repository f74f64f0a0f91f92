"""ICE, Identity Consistency Evaluation: does a model claim to be someone else?

Pure method code: identity facts, the question set, jailbreak templates, the GPTFuzz-style
template search, scores, and the import of the paper's published results. Model calls come
in as an async ``generate(model, messages, **params) -> str``; the judges live in
``probes.judges``.
"""

from probes.ice.fuzz import (
    OPERATORS,
    FuzzState,
    FuzzStateError,
    Iteration,
    Selection,
    TemplateNode,
    fuzz_iterations,
    mutate,
    mutation_messages,
    parse_mutation,
)
from probes.ice.identity import (
    FAMILIES,
    FAMILY_BY_KEY,
    Family,
    IdentityFact,
    fact_for,
    families_in_text,
    get_family,
    match_name,
    recognise_family,
)
from probes.ice.published import (
    PUBLISHED_CLAIMED_TERMS,
    PublishedFormatError,
    PublishedRow,
    PublishedRun,
    find_strict_csv,
    load_published,
    target_from_filename,
)
from probes.ice.questions import (
    CATEGORIES,
    Question,
    QuestionFileError,
    infer_category,
    infer_lang,
    load_questions,
)
from probes.ice.scores import ScoreItem, ice_scores, item_is_hard
from probes.ice.templates import SLOT, STYLES, Template, TemplateFileError, fill, load_seed_templates

__all__ = [
    "CATEGORIES", "FAMILIES", "FAMILY_BY_KEY", "OPERATORS", "PUBLISHED_CLAIMED_TERMS", "SLOT",
    "STYLES", "Family", "FuzzState", "FuzzStateError", "IdentityFact", "Iteration",
    "PublishedFormatError", "PublishedRow", "PublishedRun", "Question", "QuestionFileError",
    "ScoreItem", "Selection", "Template", "TemplateFileError", "TemplateNode", "fact_for",
    "families_in_text", "fill", "find_strict_csv", "fuzz_iterations", "get_family",
    "ice_scores", "infer_category", "infer_lang", "item_is_hard", "load_published",
    "load_questions", "load_seed_templates", "match_name", "mutate", "mutation_messages",
    "parse_mutation", "recognise_family", "target_from_filename",
]
