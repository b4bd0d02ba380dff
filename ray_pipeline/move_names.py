"""Names for people from clip ids: ``sensual_basic_headroll`` is "Sensual basic with head roll".

The library's folders are coarse (a sensual basic sits in ``basic``, a basic with a dip in ``bolero``), so
the name comes from the clip's own id: its first move with its qualities, then what it adds ("with ...").
"""

from __future__ import annotations

import re

# Several words that make one move, or a clearer spelling of one word.
COMPOUNDS = {
    "cross body lead": "cross-body lead",
    "cbl": "cross-body lead",
    "arm brush": "arm brush",
    "arms cross": "arms cross",
    "body wave": "body wave",
    "side dip": "side dip",
    "front step": "front step",
    "basic step": "basic step",
    "lady turn": "lady turn",
}
SPELLING = {
    "hiproll": "hip roll",
    "headroll": "head roll",
    "headrolls": "head rolls",
    "bodywave": "body wave",
    "bodywaves": "body waves",
    "ladyturn": "lady turn",
    "sidedip": "side dip",
    "doublespin": "double spin",
    "cambre": "cambré",
    "shadown": "shadow",
    "madrid": "Madrid",
}
QUALITIES = {"sensual", "energetic", "slow", "styled", "double", "triple", "locked", "machete", "lady", "side"}
DIRECTIONS = {"left", "right", "back", "front"}
MOVES = {
    "basic", "bolero", "completo", "paseala", "spin", "spins", "hiproll", "headroll", "headrolls", "bodywave",
    "bodywaves", "shadow", "shadown", "golpes", "pinza", "cambre", "caricia", "madrid", "vuelta", "ochos",
    "hammerlock", "ladyturn", "sidedip", "footwork", "intro", "outro", "dip", "step", "turn", "doublespin",
    *COMPOUNDS,
}  # fmt: skip


def _words(clip_id: str) -> list[str]:
    """The id's words without take numbers ("basic_2", "intro3", "headroll.2"), compounds joined."""
    words = [re.sub(r"\d+$", "", word) for word in re.split(r"[_.\s-]+", clip_id.lower())]
    words = [word for word in words if word]
    joined, index = [], 0
    while index < len(words):
        for size in (3, 2, 1):
            candidate = " ".join(words[index : index + size])
            if (size > 1 and candidate in COMPOUNDS) or size == 1:
                joined.append(candidate)
                index += size
                break
    return joined


def human_name(clip_id: str) -> str:
    """A readable move name from a clip id."""
    phrases: list[dict[str, list[str]]] = []  # each: qualities before, the move, words after
    pending: list[str] = []
    words = _words(clip_id)
    for index, word in enumerate(words):
        # "spin_right_ladyturn_left": a direction after a move is that move's, unless it already has one
        # ("left_ladyturn_right_arm_brush") and another move follows.
        leads_a_move = (
            index + 1 < len(words)
            and words[index + 1] in MOVES
            and bool(phrases)
            and any(w in DIRECTIONS for w in phrases[-1]["before"] + phrases[-1]["after"])
        )
        if word in MOVES:
            phrases.append({"before": pending, "move": [word], "after": []})
            pending = []
        elif phrases and word in ("double", "triple"):
            phrases[-1]["before"].insert(0, word)  # "spins_double" is a double spin
        elif phrases and not leads_a_move and (word in DIRECTIONS or word not in QUALITIES):
            phrases[-1]["after"].append(word)  # "ladyturn_left", "hammerlock_exit"
        else:
            pending.append(word)  # "right_arm_brush", "sensual_basic"
    if pending and phrases:  # qualities after the last move describe it: "intro_energetic"
        phrases[-1]["before"] = pending + phrases[-1]["before"]
    elif pending:
        phrases.append({"before": [], "move": pending, "after": []})
    if not phrases:
        return clip_id

    def spell(words: list[str]) -> str:
        return " ".join(COMPOUNDS.get(word, SPELLING.get(word, word)) for word in words)

    def render(phrase: dict[str, list[str]]) -> str:
        text = spell(phrase["before"] + phrase["move"])
        directions = [w for w in phrase["after"] if w in DIRECTIONS]
        extras = [w for w in phrase["after"] if w not in DIRECTIONS]
        if extras:
            text += " " + spell(extras)
        return f"{text} ({', '.join(directions)})" if directions else text

    head, *rest = (render(phrase) for phrase in phrases)
    if rest:
        head += " with " + (", ".join(rest[:-1]) + " and " + rest[-1] if len(rest) > 1 else rest[0])
    return head[0].upper() + head[1:]
