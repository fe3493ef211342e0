// Card payment with Stripe.js (localstripe's stand-in in development). The flow:
// the browser turns the card into a PaymentMethod, the server confirms the order's PaymentIntent
// with it, and only if the bank asks for 3-D Secure does the page show its one challenge.
// (A SetupIntent confirmed first would be challenged too: two challenges for one payment.)
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form || typeof window.Stripe !== "function") return;
  var orderId = form.dataset.order;
  var button = document.getElementById("pay-button");
  var errorBox = document.getElementById("pay-error");
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
  }

  // Only the publishable key is needed from this answer.
  var ready = post("/orders/" + orderId + "/card-setup").then(function (data) {
    stripe = window.Stripe(data.publishableKey);
    card = stripe.elements().create("card");
    card.mount("#card-element");
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.hidden = true;
    ready
      .then(function () {
        return stripe.createPaymentMethod({ type: "card", card: card });
      })
      .then(function (result) {
        if (result.error) throw new Error(result.error.message);
        return post("/orders/" + orderId + "/pay", { paymentMethodId: result.paymentMethod.id });
      })
      .then(function (order) {
        if (order.requiresAction && order.actionClientSecret) {
          return stripe.confirmCardPayment(order.actionClientSecret).then(function (result) {
            if (result.error) throw new Error(result.error.message);
            // A failed challenge answers the intent back, waiting for another card.
            var status = result.paymentIntent && result.paymentIntent.status;
            if (status !== "succeeded" && status !== "processing") throw new Error(form.dataset.errorMessage);
          });
        }
      })
      .then(function () {
        window.location.assign("/orders/" + orderId);
      })
      .catch(function (error) { fail(error && error.message); });
  });
})();
