"""Names people give things (customers, plans, features, keys): text shown to others, so it may not carry the
bidirectional controls that reorder what is shown. "Acme<U+202E>gnp.exe" is displayed as "Acmeexe.png", and
everything after it on the line is drawn backwards, in the dashboard, on an invoice, in a terminal.

Refused: the embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the characters of
"Trojan Source" (CVE-2021-42574). The marks (U+200E LRM, U+200F RLM, U+061C ALM) stay allowed: they only
settle the direction of neighbouring punctuation in mixed-script names and cannot reorder text beyond it.
Names stored before this rule keep their characters; the dashboard shows them without these controls.
"""

from __future__ import annotations

import re

from billing.domain.errors import InvalidInput

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_CONTROLS_REFUSED = "must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069)"


def first_bidi_control(text: str) -> str | None:
    """The first refused control in `text` as "U+202E", or None."""
    found = BIDI_CONTROLS.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def refuse_bidi_controls(text: str, *, field: str) -> None:
    """InvalidInput naming `field` when `text` holds a refused control."""
    control = first_bidi_control(text)
    if control is not None:
        raise InvalidInput(f"{field} {BIDI_CONTROLS_REFUSED}; found {control}", field=field)
