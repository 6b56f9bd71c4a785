"""The bounded upload mixin: a view that sets no limit of its own gets Django's, and its 413."""

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import override_settings

from api.uploads import BoundedUploadMixin


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000)
def test_without_a_limit_of_its_own_a_view_takes_djangos_and_refuses_past_it():
    view = BoundedUploadMixin()
    assert view.upload_limit() == 1_000
    view.upload_check(1_000)
    with pytest.raises(RequestDataTooBig):
        view.upload_check(1_001)
