"""Short random references a team copies into the patient's GP record to find a referral again.

Eight characters from Crockford's base-32 alphabet (no I, L, O or U, so nothing is misread or
spells a word), shown as two groups of four: 32**8, about 10**12, possible references. They are
random, not derived from anything about the patient, and never leave the team (docs/recording.md).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def unused_reference(taken) -> str:
    """A new reference not in `taken` (a container or a callable answering membership)."""
    exists = taken if callable(taken) else taken.__contains__
    while True:
        reference = new_reference()
        if not exists(reference):
            return reference
