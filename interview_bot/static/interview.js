// Guided interview: small enhancements over plain server-rendered forms.
// Without JavaScript every form posts and the server redirects (Post/Redirect/Get);
// with it, answers are sent in the background, the conversation is swapped in place
// and focus moves to the bot's new message so screen readers announce it.
(function () {
  "use strict";

  function swap(html, url, push) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var incoming = doc.getElementById("interview") || doc.querySelector("main");
    var current = document.getElementById("interview") || document.querySelector("main");
    if (!incoming || !current) { window.location.assign(url); return; }
    var flashes = doc.querySelectorAll("main > .flash");
    document.querySelectorAll("main > .flash").forEach(function (el) { el.remove(); });
    flashes.forEach(function (el) { current.parentNode.insertBefore(document.importNode(el, true), current); });
    current.replaceWith(document.importNode(incoming, true));
    document.title = doc.title;
    if (push) { history.pushState({}, "", url); }
    enhance();
    var target = document.querySelector("#form-error") ||
      Array.prototype.slice.call(document.querySelectorAll(".chat .bubble.bot")).pop();
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  }

  function send(form, event) {
    if (!window.fetch || !window.DOMParser) { return; }
    event.preventDefault();
    var chat = document.querySelector(".chat");
    if (chat) { chat.setAttribute("aria-busy", "true"); }
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) { swap(html, response.url, response.url !== window.location.href); });
      })
      .catch(function () { form.submit(); });
  }

  function geolocate() {
    var box = document.querySelector(".geo");
    var button = document.getElementById("geolocate");
    if (!box || !button || !navigator.geolocation) { return; }
    box.hidden = false;
    button.addEventListener("click", function () {
      var status = document.getElementById("geo-status");
      status.textContent = status.dataset.wait;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(4);
        document.getElementById("lon").value = pos.coords.longitude.toFixed(4);
        status.textContent = status.dataset.ok;
      }, function () {
        status.textContent = status.dataset.fail;
      }, { timeout: 15000, maximumAge: 600000 });
    });
  }

  function enhance() {
    document.querySelectorAll("form[data-chat]").forEach(function (form) {
      if (form.dataset.enhanced) { return; }
      form.dataset.enhanced = "1";
      form.addEventListener("submit", function (event) { send(form, event); });
    });
    geolocate();
  }

  window.addEventListener("popstate", function () { window.location.reload(); });
  document.addEventListener("DOMContentLoaded", enhance);
})();
