"""Pass marks a trainer sets, and the content hash that ties a result to the rules it was judged by.

The schema of a `pass:` block, used twice: the default in rubric.yaml and a persona's own in its YAML. Applying it to
a call is `voicetrainer.team.passmark.judge`. Pure: pydantic and hashlib only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# What fails a call whatever its score (docs/team.md explains each one).
Blocker = Literal["calm_lost", "wrong_fact_uncorrected", "not_resolved", "escalated", "hung_up"]
BLOCKERS: tuple[str, ...] = get_args(Blocker)

DEFAULT_MARK = 0.5  # used only when neither the persona nor the rubric sets a mark (a rubric written before pass marks)


class PassRules(BaseModel):
    """A pass mark and blockers. A persona's block overrides the rubric's field by field; a field left out inherits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mark: float | None = Field(None, ge=0.0, le=1.0,
                               description="lowest call score that passes (0-1): the mean of the four dimensions "
                                           "over the call's first attempts")
    blockers: tuple[Blocker, ...] | None = Field(None, description="what fails a call whatever its score: "
                                                                   + ", ".join(BLOCKERS))


def rubric_hash(data: dict[str, Any]) -> str:
    """'sha256:<hex>' of the rubric data in force (after a persona's overrides), independent of key order and YAML
    comments, so a stored result can be traced to the exact rules that judged it."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
