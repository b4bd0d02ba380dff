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

# English, and the Spanish a bachata dancer is likely to type.
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "difficulty": {
        "beginner": (
            "beginner",
            "beginners",
            "easy",
            "basic",
            "simple",
            "first",
            "newbie",
            "starter",
            "principiante",
            "principiantes",
            "fácil",
            "facil",
        ),
        "advanced": (
            "advanced",
            "hard",
            "difficult",
            "expert",
            "complex",
            "challenging",
            "avanzado",
            "avanzada",
            "difícil",
            "dificil",
        ),
        "intermediate": ("intermediate", "medium level", "improver", "intermedio", "intermedia"),
    },
    "energy_level": {
        "low": ("calm", "chill", "relaxed", "gentle", "soft", "low energy", "mellow", "tranquilo", "suave"),
        "high": ("energetic", "high energy", "intense", "party", "powerful", "explosive", "enérgico", "fiesta"),
        "medium": ("moderate", "medium energy", "balanced"),
    },
    "style": {
        "romantic": ("romantic", "love", "tender", "wedding", "romántico", "romantico", "romántica", "boda"),
        "sensual": ("sensual", "sexy", "sensuality", "body wave", "bodywave", "sensualidad"),
        "energetic": ("energetic", "dynamic", "fun workout", "dinámico"),
        "playful": ("playful", "fun", "cheerful", "happy", "divertido", "alegre"),
    },
    "tempo": {
        "slow": ("slow", "slowly", "slower", "lento", "lenta", "despacio"),
        "fast": ("fast", "quick", "upbeat", "rápido", "rapido"),
        "medium": ("medium tempo", "mid tempo", "moderate tempo"),
    },
}
# Words that carry no wish of their own ("a … dance with a …"), so they are neither used nor reported.
_FILLER_WORDS = (
    "a an the and or with for to of in on at my me i we us our want wants would like please some something "
    "dance dancing dances choreography bachata song music style level energy tempo moves move steps step "
    "that this is it be very really bit little more lots of lot kind sort show make give let's lets can you "
    "un una el la los las y o con para de del en mi me quiero baile bailar coreografía música muy por favor "
    "estilo nivel"
)
_FILLER = frozenset(_FILLER_WORDS.split())
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


def unknown_words(query: str) -> list[str]:
    """The words of a request that no keyword, move or filler accounts for, in order, each once."""
    text = query.lower()
    known = [word for options in _WORDS.values() for words in options.values() for word in words] + list(MOVES)
    for phrase in sorted(known, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(phrase)}s?\b", " ", text)
    words = [word for word in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text) if word not in _FILLER]
    return list(dict.fromkeys(words))


# What the render does with each wish; what it cannot do is said, never silently dropped.
SLOW_SPEED = 0.75
_FIELD_NAMES = {"difficulty": "difficulty", "energy_level": "energy", "style": "style"}


def reading(query: str, parameters: DanceParameters, *, source: str) -> tuple[list[str], list[str]]:
    """(understood, could not use): each as a short phrase a dancer reads under their request."""
    asked = parameters.model_fields_set  # the keyword parser sets only what the words asked for
    understood = [
        f"{getattr(parameters, field)} {name}"
        for field, name in _FIELD_NAMES.items()
        if field in asked or source != "keywords"
    ]
    not_used = []
    if "tempo" in asked or source != "keywords":
        if parameters.tempo == "slow":
            understood.append(f"slow: the video starts at {SLOW_SPEED}x speed (the moves keep the song's beat)")
        elif parameters.tempo == "fast":
            not_used.append("fast: the moves follow your song's own tempo; choose a faster song")
    not_used += [f"{move}: we cannot ask for a particular move yet" for move in parameters.specific_moves]
    if source == "keywords":
        not_used += unknown_words(query)
    return understood, not_used


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
