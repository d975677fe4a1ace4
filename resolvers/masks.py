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
    """The hint roles without personal data read: +44 ••• ••• 123 (the country code
    needs the numbering plan, so SQL cannot compute it: see `stored_phone_mask`)."""
    try:
        country = phonenumbers.parse(phone).country_code
    except phonenumbers.NumberParseException:
        country = None
    prefix = f"+{country}" if country else "+"
    return f"{prefix} ••• ••• {phone[-3:]}"


def stored_phone_mask(phone: str | None) -> str | None:
    """`customer.phone_masked`: mask_phone of the phone, kept by every write that sets or
    erases a phone (create, update, erase, the seed; migration 2c7e9b5a1f48 filled it)."""
    return None if phone is None else mask_phone(phone)


def mask_phone_sql(phone: str) -> str:
    """mask_phone in SQL, for the compiled read path: the mask stored beside the phone
    (`stored_phone_mask`). `phone` is the column reference `scope.phone`."""
    scope, _, column = phone.rpartition(".")
    if column != "phone":
        raise ValueError(f"a phone's mask is stored beside its column, not for {phone}")
    return f"{scope}.phone_masked"
