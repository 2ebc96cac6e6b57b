"""The live test server leaves no file open when a client drops a connection mid-response."""

import gc
import warnings

from werkzeug.test import EnvironBuilder

from tests.browser.conftest import files_closed_by_the_app


def test_a_static_file_is_closed_before_the_server_sends_it(live_server):
    wrapped = files_closed_by_the_app(live_server.app)
    environ = EnvironBuilder(path="/static/favicon.svg").get_environ()
    statuses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        body = wrapped(environ, lambda status, headers, exc_info=None: statuses.append(status))
        del body  # a client that went away: the server never iterates nor closes the response
        gc.collect()
    assert statuses == ["200 OK"]
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_static_file_answered_304_is_closed_too(live_server):
    """A conditional request (chromium's favicon, again) answers 304 with no body: the file opened for it must
    still be closed, whoever reads the response."""
    wrapped = files_closed_by_the_app(live_server.app)
    first = EnvironBuilder(path="/static/favicon.svg").get_environ()
    headers = {}
    body = wrapped(first, lambda status, sent, exc_info=None: headers.update(sent))
    del body
    environ = EnvironBuilder(path="/static/favicon.svg", headers={"If-None-Match": headers["ETag"]}).get_environ()
    statuses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        body = wrapped(environ, lambda status, sent, exc_info=None: statuses.append(status))
        del body  # a client that went away
        gc.collect()
    assert statuses == ["304 NOT MODIFIED"]
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
