// Facilitator workspace: small enhancements only. Every page works without this file.
(function () {
  "use strict";

  // Queue filters: apply as soon as a select or checkbox changes (the Filter button stays for keyboards).
  document.querySelectorAll("form.filters").forEach(function (form) {
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (field) {
      field.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  });

  // Ask before the two decisions that are hard to undo: abandoning a synergy and rejecting a proposal.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var abandon = form.querySelector("input[name=stage][value=abandoned]");
      if (abandon && !abandon.checked) { return; }
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Unrecognised answers: show the label of the node typed or picked from the list.
  var options = {};
  document.querySelectorAll("datalist#nodes option").forEach(function (o) { options[o.value] = o.textContent; });
  document.querySelectorAll("input[list=nodes]").forEach(function (input) {
    var hint = document.createElement("span");
    hint.className = "muted node-hint";
    hint.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", hint);
    input.addEventListener("input", function () { hint.textContent = options[input.value.trim()] || ""; });
  });
})();
