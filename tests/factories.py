"""factory_boy factories shared by every app's tests."""

from datetime import date

import factory
from allauth.account.models import EmailAddress

from mso_registry.models import Organisation, OrganisationType, Region, Role, RoleAssignment
from users.models import User

TEST_PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@trust.example")
    full_name = factory.Faker("name", locale="en_GB")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or TEST_PASSWORD)
        if create:
            user.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    name = factory.Sequence(lambda n: f"Test Trust {n} NHS Foundation Trust")
    # Trust codes: R plus two letters or digits; the sequence keeps them unique.
    ods_code = factory.Sequence(lambda n: f"R{'ABCDEFGHJKLMNPQRSTUVWXYZ'[n // 24 % 24]}{'ABCDEFGHJKLMNPQRSTUVWXYZ'[n % 24]}")
    organisation_type = OrganisationType.NHS_TRUST
    region = Region.MIDLANDS
    generic_mso_email = factory.LazyAttribute(lambda o: f"{o.ods_code.lower()}.mso@nhs.example")
    listed_mailbox = factory.SelfAttribute("generic_mso_email")


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.STAFF
    start_date = date(2025, 4, 1)
