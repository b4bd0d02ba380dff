"""The original app's words for a dance, shared by the tables, the API and the render job."""

DIFFICULTIES = ("beginner", "intermediate", "advanced")
ENERGY_LEVELS = ("low", "medium", "high")
STYLES = ("romantic", "energetic", "sensual", "playful")
