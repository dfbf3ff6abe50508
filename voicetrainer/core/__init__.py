"""The pure core: the persona, the customer who holds the conversation, the practice loop and progress.

Data in, data out: no device, model, database, network or environment variable (the import contract in
pyproject.toml checks it). One job a module:

    persona.py (loading), persona_model.py (schema v2), persona_v1.py (the v1 upgrade)
    hearing.py (what a reply did), needs.py, memory.py (CallState), facts.py, lines.py, dialogue.py (react, speak)
    feedback.py (statuses, tips), scorecard.py, session.py (run_session), progress.py
"""

from voicetrainer.core.dialogue import react, start_state
from voicetrainer.core.persona import Persona, find_persona, load_persona, persona_errors
from voicetrainer.core.progress import compute_progress
from voicetrainer.core.scorecard import Scorecard, build_scorecard
from voicetrainer.core.session import Event, SessionResult, TypedReplies, run_session

__all__ = ["Event", "Persona", "Scorecard", "SessionResult", "TypedReplies", "build_scorecard", "compute_progress",
           "find_persona", "load_persona", "persona_errors", "react", "run_session", "start_state"]
