"""The admin's sign-in form, refusing an over-long username as a form error (issue 12,
item 8): Django's form only sets ``maxlength`` on the input, so a longer name reached
``authenticate()`` and django-axes' 255-character column (a 500 on PostgreSQL)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.validators import MaxLengthValidator


class SignInForm(AdminAuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
