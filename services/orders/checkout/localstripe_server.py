"""Run localstripe, Stripe's stateful fake, on loopback only and without its disk file.

Its own entry point binds every interface and keeps state in one fixed pickle file
in /tmp shared by every run; here each run starts empty and only localhost can reach it,
unless `--state-file` names a file of its own: then its objects and webhook endpoints are
written there before every response and read back on start, so a run killed and started
again comes back with what it knew, as Stripe does after an outage.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from localstripe import resources, webhooks
from localstripe.errors import UserError
from localstripe.server import app, get_api_key, get_post_data, json_response

STRIPE_JS = "/js.stripe.com/v3/"
# localstripe's Stripe.js stand-in leaves `createPaymentMethod` empty. Stripe.js proper creates a
# card PaymentMethod with the publishable key, which the payment page uses so that the server
# confirms the order's PaymentIntent and the bank challenges the card once (a SetupIntent first
# would challenge it a second time). Same answers as Stripe.js: {paymentMethod} or {error}.
CREATE_PAYMENT_METHOD_JS = """
(function () {
  var standIn = Stripe;
  Stripe = function (apiKey) {
    var stripe = standIn(apiKey);
    stripe.createPaymentMethod = async function (data) {
      var element = data.card;
      var response = await fetch(LOCALSTRIPE_BASE_API + '/v1/payment_methods', {
        method: 'POST',
        body: JSON.stringify({
          key: apiKey, type: 'card', card: element.value.card,
          billing_details: {address: {postal_code: element.value.postal_code}},
        }),
      });
      var body = await response.json().catch(function () { return {}; });
      if (response.status !== 200 || body.error) return {error: body.error || {message: 'card refused'}};
      return {paymentMethod: body};
    };
    return stripe;
  };
})();
"""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def create_payment_method(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Stripe.js's `createPaymentMethod`: the script that does it, and the route it calls with
    the publishable key (localstripe accepts only its secret key there)."""
    if request.method == "GET" and request.path == STRIPE_JS:
        response = await handler(request)
        assert isinstance(response, web.Response) and response.text is not None
        return web.Response(text=response.text + CREATE_PAYMENT_METHOD_JS, content_type="application/javascript")
    if request.method == "POST" and request.path == "/v1/payment_methods" and get_api_key(request) is None:
        data = await get_post_data(request, remove_auth=False) or {}
        if not str(data.pop("key", "")).startswith("pk_"):
            raise UserError(401, "Unauthorized")
        if data.get("type") != "card":  # the browser creates cards only, as with Stripe.js
            raise UserError(400, "Bad request")
        return json_response(resources.PaymentMethod._api_create(**data)._export())
    return await handler(request)


def keep_state_in(path: Path) -> None:
    if path.exists():
        objects, endpoints = pickle.loads(path.read_bytes())
        resources.store.update(objects)
        webhooks._webhooks.update(endpoints)

    async def save(_: web.Request, __: web.StreamResponse) -> None:
        # Before the response leaves: whatever a caller was told is on disk.
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps((dict(resources.store), webhooks._webhooks)))
        temporary.replace(path)

    app.on_response_prepare.append(save)


def main() -> None:
    if os.environ.get("TONGNAN_ENVIRONMENT") == "production":
        raise SystemExit("error: localstripe is Stripe's fake for development and tests; production talks to Stripe")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state-file", type=Path, help="keep state across restarts in this file")
    args = parser.parse_args()
    resources.store.dump_to_disk = lambda: None
    # After localstripe's error middleware (which answers its UserErrors), before its auth.
    app.middlewares.insert(1, create_payment_method)
    if args.state_file is not None:
        keep_state_in(args.state_file)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
