"""Turn "a romantic beginner dance" into dance parameters: keywords offline, Gemini when a key is configured."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from api.choreography.schemas import DanceParameters

log = logging.getLogger(__name__)

_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "difficulty": {
        "beginner": ("beginner", "easy", "basic", "simple", "first", "newbie", "starter"),
        "advanced": ("advanced", "hard", "difficult", "expert", "complex", "challenging"),
        "intermediate": ("intermediate", "medium level", "improver"),
    },
    "energy_level": {
        "low": ("calm", "chill", "relaxed", "gentle", "soft", "low energy", "mellow"),
        "high": ("energetic", "high energy", "intense", "party", "powerful", "explosive"),
        "medium": ("moderate", "medium energy", "balanced"),
    },
    "style": {
        "romantic": ("romantic", "love", "tender", "wedding"),
        "sensual": ("sensual", "sexy", "sensuality", "body wave", "bodywave"),
        "energetic": ("energetic", "dynamic", "fun workout"),
        "playful": ("playful", "fun", "cheerful", "happy"),
    },
    "tempo": {
        "slow": ("slow", "slowly"),
        "fast": ("fast", "quick", "upbeat"),
        "medium": ("medium tempo", "mid tempo", "moderate tempo"),
    },
}
MOVES = (
    "basic",
    "cross body lead",
    "lady turn",
    "spin",
    "shadow",
    "hammerlock",
    "dip",
    "body wave",
    "hip roll",
    "footwork",
    "golpe",
    "head roll",
    "bolero",
    "arm styling",
)


def _first_match(text: str, options: dict[str, tuple[str, ...]]) -> str | None:
    hits = [
        (text.find(word), value)
        for value, words in options.items()
        for word in words
        if re.search(rf"\b{re.escape(word)}\b", text)
    ]
    return min(hits)[1] if hits else None


def parse_keywords(query: str) -> DanceParameters:
    """The offline parser: the first word of each kind decides; the rest keep their defaults."""
    text = query.lower()
    found: dict[str, Any] = {field: _first_match(text, options) for field, options in _WORDS.items()}
    found["specific_moves"] = [move for move in MOVES if re.search(rf"\b{move}s?\b", text)]
    return DanceParameters(**{key: value for key, value in found.items() if value})


GeminiCall = Callable[[str], str]  # prompt → the model's JSON text

PROMPT = """You set parameters for a bachata choreography generator. Answer with JSON only:
{{"difficulty": "beginner|intermediate|advanced", "energy_level": "low|medium|high",
"style": "romantic|energetic|sensual|playful", "tempo": "slow|medium|fast", "specific_moves": [strings]}}
The dancer asked: {query!r}"""


def gemini_call(api_key: str, model: str = "gemini-2.5-flash") -> GeminiCall:
    """A call to Gemini through google-genai, asking for JSON."""
    from google import genai

    client = genai.Client(api_key=api_key)

    def call(prompt: str) -> str:
        response = client.models.generate_content(
            model=model, contents=prompt, config={"response_mime_type": "application/json"}
        )
        return response.text or ""

    return call


def describe(query: str, *, gemini: GeminiCall | None) -> tuple[DanceParameters, str]:
    """Parameters for a request in words, and which parser produced them (Gemini falls back to keywords)."""
    if gemini is not None:
        try:
            answer = json.loads(gemini(PROMPT.format(query=query)))
            return DanceParameters(**{k: v for k, v in answer.items() if v not in (None, "")}), "gemini"
        except (ValueError, TypeError, ValidationError, AttributeError):
            log.warning("Gemini gave no usable parameters; using the keyword parser", exc_info=True)
        except Exception:
            log.warning("Gemini is unreachable; using the keyword parser", exc_info=True)
    return parse_keywords(query), "keywords"
