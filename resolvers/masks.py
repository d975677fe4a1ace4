"""How personal data reads for roles without PII: each mask beside its SQL twin."""

import phonenumbers


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_email_sql(email: str) -> str:
    """mask_email in SQL, for the compiled read path (`email` is an SQL expression)."""
    at = f"strpos({email}, '@')"
    domain = f"CASE WHEN {at} > 0 THEN substr({email}, {at} + 1) ELSE '' END"
    return f"(left(split_part({email}, '@', 1), 1) || '***@' || {domain})"


def mask_phone(phone: str) -> str:
    try:
        country = phonenumbers.parse(phone).country_code
    except phonenumbers.NumberParseException:
        country = None
    prefix = f"+{country}" if country else "+"
    return f"{prefix} ••• ••• {phone[-3:]}"
