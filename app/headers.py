"""Security headers on every response (Flask-Talisman): a Content Security Policy that the
console's own scripts satisfy (scripts only from the app itself or with the page's nonce,
which Flask-AppBuilder's templates and ours print through ``baselib.get_nonce()``), no
framing (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), ``nosniff`` and a
Referrer-Policy. Nothing is loaded from another host: the console runs on an intranet.

Flask-AppBuilder 5.3 prints the nonce when Talisman is there but does not install Talisman
itself; ``TALISMAN_ENABLED`` / ``TALISMAN_CONFIG`` (config.py) are read here.
HTTPS is forced only with ``CCC_SECURE_COOKIES=1`` (behind an HTTPS proxy).
"""
from __future__ import annotations

from flask import Flask

#: Evidence files are shown in the browser (photos, PDF) but never run anything, even a
#: crafted file with an allowed type: an empty sandbox.
EVIDENCE_POLICY = {"default-src": "'none'", "img-src": "'self'", "media-src": "'self'",
                   "style-src": "'unsafe-inline'", "sandbox": ""}


def install_headers(app: Flask):
    if not app.config.get("TALISMAN_ENABLED", True):
        return None
    from flask_talisman import Talisman

    talisman = Talisman(app, **app.config.get("TALISMAN_CONFIG", {}))
    download = app.view_functions.get("FilesView.download")
    if download is not None:
        function = getattr(download, "__func__", download)
        function.talisman_view_options = {"content_security_policy": EVIDENCE_POLICY,
                                          "content_security_policy_nonce_in": []}
    return talisman
