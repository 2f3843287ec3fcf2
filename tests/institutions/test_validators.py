import pytest
from django.core.exceptions import ValidationError

from institutions.validators import credit_code_check_char, validate_credit_code


def test_check_char_of_a_published_code():
    # 91350100M000100Y43 is a valid code often quoted as an example of the standard
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_computed_check_char_validates():
    first17 = "52110101MJ0000001"
    validate_credit_code(first17 + credit_code_check_char(first17))


def test_wrong_check_char_names_the_expected_one():
    first17 = "52110101MJ0000001"
    good = credit_code_check_char(first17)
    bad = "0" if good != "0" else "1"
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(first17 + bad)
    assert exc.value.error_list[0].code == "check_char"
    assert good in exc.value.messages[0]


@pytest.mark.parametrize(
    ("code", "error"),
    [("5211010", "length"), ("52110101MJ000000IO", "charset"), ("52110101MJ00000S1Z", "charset")],
)
def test_malformed_codes_are_rejected(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.error_list[0].code == error
