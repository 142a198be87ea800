import pytest
from django.core.exceptions import ValidationError

from incidents.validators import is_known_high_alert_medicine, nhs_number_check_digit_ok, validate_nhs_number


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_a_valid_nhs_number_passes(number):
    validate_nhs_number(number)


def test_check_digit_eleven_means_zero():
    # 943476508: weighted sum 286 = 26 x 11, so 11 - 0 = 11, which is written as 0.
    assert nhs_number_check_digit_ok("9434765080")
    assert not nhs_number_check_digit_ok("9434765081")


def test_a_number_whose_check_would_be_ten_is_never_valid():
    # 123456789: weighted sum 210, remainder 1, so 11 - 1 = 10: no last digit can make it valid.
    assert not any(nhs_number_check_digit_ok(f"123456789{last}") for last in range(10))
    with pytest.raises(ValidationError):
        validate_nhs_number("1234567890")


def test_a_wrong_check_digit_is_explained():
    with pytest.raises(ValidationError, match="last digit does not match"):
        validate_nhs_number("9434765918")


def test_too_few_digits_are_counted_in_the_message():
    with pytest.raises(ValidationError, match="10 digits; this one has 9"):
        validate_nhs_number("943476591")


def test_letters_are_refused():
    with pytest.raises(ValidationError, match="only digits"):
        validate_nhs_number("94347659AB")


@pytest.mark.parametrize("name", ["Insulin glargine", "HUMULIN I", "Enoxaparin", "Morphine sulfate", "KCl 15%",
                                  "Methotrexate 2.5mg", "Midazolam 10mg/2ml"])
def test_known_high_alert_medicines_are_recognised(name):
    assert is_known_high_alert_medicine(name)


@pytest.mark.parametrize("name", ["Paracetamol", "Amoxicillin", "Salbutamol"])
def test_other_medicines_are_not_high_alert(name):
    assert not is_known_high_alert_medicine(name)
