import pytest

from tests import factories as f

from .factories import AccountFactory, BankFactory


@pytest.fixture
def bank(db):
    return BankFactory(code="ICBC-T", name="测试工商银行")


@pytest.fixture
def account(institution, bank):
    return AccountFactory(institution=institution, bank=bank)


@pytest.fixture
def district_user(district1):
    return f.user_with_role("district", username="district-funds", district=district1)


@pytest.fixture
def institution_user(institution):
    return f.user_with_role("institution", username="inst-funds", institution=institution)


@pytest.fixture
def bank_user(bank):
    from accounts.models import Profile

    user = f.UserFactory(username="bank-funds")
    Profile.objects.create(user=user, role="bank", bank=bank)
    return user
