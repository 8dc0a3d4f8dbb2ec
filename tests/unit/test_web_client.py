"""The web client speaks the contract: every route is called from web/js/api.js, and its modules resolve."""

from __future__ import annotations

import re
from pathlib import Path

from gophertok import registry

WEB = Path(__file__).resolve().parents[2] / "web"
NOT_USED_BY_THE_WEB_CLIENT = {
    "video_publish": "uploads go straight to S3 through upload_url, which has no request-body size limit",
}
IMPORT = re.compile(r"""^import\s.*?from\s+["'](\.[^"']+)["'];?$""", re.MULTILINE)


def test_every_route_is_called_by_the_web_client() -> None:
    source = (WEB / "js" / "api.js").read_text(encoding="utf-8")
    called = {route.function for route in registry.ROUTES if f'"{route.path}/"' in source}
    expected = {route.function for route in registry.ROUTES} - set(NOT_USED_BY_THE_WEB_CLIENT)
    assert called == expected


def test_every_relative_import_names_an_existing_module() -> None:
    modules = sorted(WEB.rglob("*.js"))
    imports = [(module, target) for module in modules for target in IMPORT.findall(module.read_text(encoding="utf-8"))]
    assert len(imports) > 10
    for module, target in imports:
        assert (module.parent / target).resolve().is_file(), f"{module.relative_to(WEB)} imports {target}"


def test_the_page_loads_only_local_files() -> None:
    page = (WEB / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?://""", page)
    for asset in re.findall(r"""(?:src|href)=["']([^"'#]+)["']""", page):
        assert (WEB / asset).is_file(), asset
