"""How uploaded files are served (ckanext/govopen/serving.py, pure): issue #11 item 4."""
import pytest

from ckanext.govopen.access import serving


@pytest.mark.parametrize("content_type,inline", [
    ("image/png", True), ("text/csv; charset=utf-8", True), ("TEXT/PLAIN", True),
    ("text/html", False), ("image/svg+xml", False), ("application/xhtml+xml", False),
    ("application/pdf", False), ("text/xml", False), (None, False), ("", False)])
def test_which_types_show_inline(content_type, inline):
    headers = serving.file_headers(content_type, 'inline; filename="x"')
    assert ("Content-Disposition" not in headers) is inline
    if not inline:
        assert headers["Content-Disposition"] == 'attachment; filename="x"'
    assert headers["Content-Security-Policy"].startswith("sandbox")


def test_file_endpoints():
    assert serving.is_file_endpoint("dataset_resource.download", "/dataset/x/resource/y/download")
    assert serving.is_file_endpoint("resource.download", "/dataset/x/resource/y/download")
    assert serving.is_file_endpoint("file.download", "/file/download/1")
    assert serving.is_file_endpoint("", "/uploads/group/logo.svg")
    assert not serving.is_file_endpoint("dataset.read", "/dataset/x")
