// Card payment with Stripe.js (localstripe's stand-in in development), as DESIGN.md describes:
// a SetupIntent collects the card in the browser, then the server pays the order with it.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form || typeof window.Stripe !== "function") return;
  var orderId = form.dataset.order;
  var button = document.getElementById("pay-button");
  var errorBox = document.getElementById("pay-error");
  var status = document.getElementById("pay-status");
  var stripe = null;
  var card = null;

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      // The session's CSRF token: the storefront refuses a POST without it.
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || form.dataset.errorMessage);
        return data;
      });
    });
  }

  function fail(message) {
    errorBox.textContent = message || form.dataset.errorMessage;
    errorBox.hidden = false;
    button.disabled = false;
    // A SetupIntent is used once: the next attempt gets a fresh one.
    setup = post("/orders/" + orderId + "/card-setup").then(function (data) { return data.clientSecret; });
  }

  var setup = post("/orders/" + orderId + "/card-setup").then(function (data) {
    stripe = window.Stripe(data.publishableKey);
    card = stripe.elements().create("card");
    card.mount("#card-element");
    return data.clientSecret;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.hidden = true;
    setup
      .then(function (clientSecret) {
        return stripe.confirmCardSetup(clientSecret, { payment_method: { card: card } });
      })
      .then(function (result) {
        if (result.error) throw new Error(result.error.message);
        var method = result.setupIntent.payment_method;
        return post("/orders/" + orderId + "/pay", { paymentMethodId: typeof method === "string" ? method : method.id });
      })
      .then(function (order) {
        if (order.requiresAction && order.actionClientSecret) {
          return stripe.confirmCardPayment(order.actionClientSecret).then(function (result) {
            if (result.error) throw new Error(result.error.message);
          });
        }
      })
      .then(function () {
        window.location.assign("/orders/" + orderId);
      })
      .catch(function (error) { fail(error && error.message); });
  });
})();
