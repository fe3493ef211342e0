"""What every page shares: the visitor's preferences and credentials, and how a page renders.

Credentials: the access token and the refresh token live in HttpOnly, SameSite=Lax cookies,
so page scripts never see them and another site's form cannot send them. When the gateway
refuses an expired access token, the refresh token is spent once for a new pair. Every form
carries the CSRF token of the visitor's session (storefront/csrf.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from storefront import csrf, errors, i18n
from storefront.api_client import ApiClient, Result, TokenRejected, Upload
from storefront.currencies import OfferedCurrencies
from storefront.settings import StorefrontSettings

Area = Literal["buyer", "supplier", "office"]

COOKIE_TOKEN = "tn_token"
COOKIE_REFRESH = "tn_refresh"
COOKIE_LOCALE = "tn_locale"
COOKIE_CURRENCY = "tn_currency"
COOKIE_COUNTRY = "tn_country"
PREFERENCE_MAX_AGE = 365 * 24 * 3600
REFRESH_MAX_AGE = 30 * 24 * 3600

# Destinations offered in the ship-to selector (ISO 3166-1 alpha-2): countries with market rules
# (the quotable set), less the restricted ones (Russia since 2022-03-05). Belgium, Ireland and
# Türkiye have no market rules, so they are not offered (nothing could be sold there).
COUNTRIES = (
    "DE", "FR", "IT", "ES", "NL", "PL", "GB", "NO", "CH", "US", "CA", "MX", "BR", "AU", "NZ",
    "AE", "SA", "KW", "QA", "KZ", "JP", "KR", "SG", "MY", "TH", "VN", "ID", "IN", "ZA",
)  # fmt: skip
# For a visitor whose browser names no country we ship to (zh-CN: the parts come from China),
# the destination most of the marketplace's buyers choose; the currency then follows the
# browser's country when it is one we quote in (CNY for zh-CN), else this country's.
DEFAULT_CURRENCY = "EUR"
DEFAULT_COUNTRY = "DE"
# Only while the API's list cannot be read (nothing can be priced then anyway): the currencies of
# the countries we ship to, so a visitor's choice is kept through an outage. Every page checks the
# choice against the API's list again once it answers.
FALLBACK_CURRENCIES = tuple(
    sorted({"CNY", DEFAULT_CURRENCY} | {c for c in map(i18n.territory_currency, COUNTRIES) if c is not None})
)

REFRESH = """
mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken }
}"""


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never `//evil.example` or an absolute URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


class Page:
    """One request's view of the visitor, and the way its page talks to the API and renders."""

    def __init__(self, request: Request, area: Area) -> None:
        self.request = request
        self.area = area
        app = request.app
        self.settings: StorefrontSettings = app.state.settings
        self.api: ApiClient = app.state.api
        self.templates: Jinja2Templates = app.state.templates
        cookies = request.cookies
        chosen = cookies.get(COOKIE_LOCALE)
        if chosen in i18n.LOCALES and (area != "office" or chosen in i18n.OFFICE_LOCALES):
            self.locale = str(chosen)
        elif area in ("supplier", "office"):
            self.locale = "zh"  # suppliers in Tongnan and the platform's staff in Chongqing: Chinese first
        else:
            self.locale = i18n.negotiate(request.headers.get("accept-language"))
        # A choice made in the switcher (a cookie) wins; a first visit starts from the browser's
        # languages: en-US ships to the US in USD, ja-JP to Japan in JPY.
        self._browser_territory = i18n.territory(request.headers.get("accept-language"))
        country = cookies.get(COOKIE_COUNTRY, "")
        if country not in COUNTRIES:
            country = self._browser_territory if self._browser_territory in COUNTRIES else DEFAULT_COUNTRY
        self.country: str = country
        self._chosen_currency = cookies.get(COOKIE_CURRENCY, "")
        # Those the API quotes in (see load_currencies).
        self.currencies: tuple[str, ...] = FALLBACK_CURRENCIES
        self.currency: str = self._pick_currency()
        self.address = request.client.host if request.client else None
        self.token = cookies.get(COOKIE_TOKEN) or None
        self.refresh_token = cookies.get(COOKIE_REFRESH) or None
        self.session_cookie = csrf.session_cookie(self.settings)
        self._session_id = cookies.get(self.session_cookie) or None
        self._set: dict[str, tuple[str, int]] = {}
        self._delete: set[str] = set()

    def _pick_currency(self) -> str:
        browser = i18n.territory_currency(self._browser_territory) if self._browser_territory else None
        candidates = [self._chosen_currency, browser, i18n.territory_currency(self.country), DEFAULT_CURRENCY]
        for code in candidates:
            if code and code in self.currencies:
                return code
        return DEFAULT_CURRENCY

    async def load_currencies(self) -> None:
        """The API's list of quoting currencies, and the visitor's currency checked against it."""
        offered: OfferedCurrencies = self.request.app.state.currencies
        self.currencies = await offered.get(self.api, self.address) or FALLBACK_CURRENCIES
        self.currency = self._pick_currency()

    # --- words -------------------------------------------------------------------------------

    def _(self, text: str, **values: Any) -> str:
        return i18n.translate(self.locale, text, **values)

    # --- the API -----------------------------------------------------------------------------

    async def query(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        auth: bool = True,
        files: dict[str, Upload] | None = None,
    ) -> Result:
        """The API's answer, its error messages in the page's language (storefront/errors.py)."""
        result = await self._execute(document, variables, auth=auth, files=files)
        if result.errors:
            result.errors = [errors.localised(e, self.locale) for e in result.errors]
        return result

    async def _execute(
        self, document: str, variables: dict[str, Any] | None, *, auth: bool, files: dict[str, Upload] | None
    ) -> Result:
        token = self.token if auth else None
        try:
            return await self.api.execute(
                document, variables, token=token, locale=self.locale, client_address=self.address, files=files
            )
        except TokenRejected:
            if token is None:
                raise
        if await self._refresh():
            try:
                return await self.api.execute(
                    document, variables, token=self.token, locale=self.locale, client_address=self.address, files=files
                )
            except TokenRejected:
                pass
        self.sign_out()
        return await self.api.execute(document, variables, locale=self.locale, client_address=self.address, files=files)

    async def _refresh(self) -> bool:
        if not self.refresh_token:
            return False
        try:
            result = await self.api.execute(
                REFRESH, {"refreshToken": self.refresh_token}, locale=self.locale, client_address=self.address
            )
        except TokenRejected:
            return False
        payload = (result.data or {}).get("refreshToken")
        if not payload:
            return False
        self._keep_tokens(payload["token"], payload["refreshToken"])
        return True

    def _keep_tokens(self, token: str, refresh_token: str) -> None:
        self.token, self.refresh_token = token, refresh_token
        self._set[COOKIE_TOKEN] = (token, REFRESH_MAX_AGE)
        self._set[COOKIE_REFRESH] = (refresh_token, REFRESH_MAX_AGE)

    def sign_in(self, token: str, refresh_token: str) -> None:
        self._keep_tokens(token, refresh_token)
        self.renew_session()

    def sign_out(self) -> None:
        self.token = self.refresh_token = None
        for name in (COOKIE_TOKEN, COOKIE_REFRESH):
            self._set.pop(name, None)
            self._delete.add(name)
        self.renew_session()

    # --- the session that forms are tied to -------------------------------------------------------

    def renew_session(self) -> str:
        """A fresh session id: tokens of the one before stop working (called on sign-in and out)."""
        self._session_id = csrf.new_session_id()
        self._set[self.session_cookie] = (self._session_id, REFRESH_MAX_AGE)
        return self._session_id

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self._session_id or self.renew_session(), self.settings)

    def csrf_field(self) -> Markup:
        """The hidden input every form that posts carries."""
        return Markup('<input type="hidden" name="{}" value="{}">').format(csrf.TOKEN_FIELD, self.csrf_token)

    def remember(self, name: str, value: str) -> None:
        self._set[name] = (value, PREFERENCE_MAX_AGE)

    def forget(self, name: str) -> None:
        self._set.pop(name, None)
        self._delete.add(name)

    # --- responses ---------------------------------------------------------------------------

    def apply(self, response: Response) -> Response:
        for name in self._delete:
            response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=self.settings.cookies_secure)
        for name, (value, max_age) in self._set.items():
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path="/",
                httponly=True,
                samesite="lax",
                secure=self.settings.cookies_secure,
            )
        return response

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        response = self.templates.TemplateResponse(
            self.request, template, {"page": self, "_": self._, **context}, status_code=status_code
        )
        return self.apply(response)

    def redirect(self, url: str) -> Response:
        return self.apply(RedirectResponse(url, status_code=303))

    # --- helpers for templates ---------------------------------------------------------------

    @property
    def here(self) -> str:
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")

    def url_with(self, **changes: Any) -> str:
        """This page's URL with some query parameters changed (None removes one); paging restarts."""
        params = {k: v for k, v in self.request.query_params.items() if k != "after"}
        for key, value in changes.items():
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = str(value)
        return self.request.url.path + ("?" + urlencode(params) if params else "")

    def country_name(self, code: str) -> str:
        return i18n.country_name(self.locale, code)

    def currency_name(self, code: str) -> str:
        return i18n.currency_name(self.locale, code)

    def category_label(self, code: str) -> str:
        return i18n.category_label(self.locale, code)

    def timeline(self, history: list[dict[str, Any]], disputes: list[dict[str, Any]] | None = None) -> list[Any]:
        """An order's status history, and its card disputes, as sentences in this page's language
        (storefront/timeline.py)."""
        from storefront.timeline import timeline

        return timeline(history, self._, disputes or [])

    def condition_label(self, code: str) -> str:
        return self._(i18n.CONDITIONS.get(code, code))


async def buyer_page(request: Request) -> Page:
    page = Page(request, "buyer")
    await page.load_currencies()
    return page


def supplier_page(request: Request) -> Page:
    return Page(request, "supplier")


BuyerPage = Annotated[Page, Depends(buyer_page)]
SupplierPage = Annotated[Page, Depends(supplier_page)]
