/* The survey builder's question form: show only the settings the chosen type of answer uses. Without
   this script every group shows, headed by the types it applies to. Dates take their bounds as dates. */
(function () {
  "use strict";
  if (window.livinglabItemTypes) { return; }
  window.livinglabItemTypes = true;
  function update(select, all) {
    var type = select.value;
    var shown = 0;
    all.querySelectorAll(".type-settings").forEach(function (group) {
      var uses = group.getAttribute("data-types").split(" ").indexOf(type) >= 0;
      group.hidden = !uses;
      if (uses) { shown += 1; }
    });
    all.hidden = shown === 0;
    all.querySelectorAll('input[name="min"], input[name$="-min"], input[name="max"], input[name$="-max"]').forEach(function (input) {
      input.type = type === "date" ? "date" : "text";
      input.inputMode = type === "date" ? "none" : "decimal";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".type-settings-all").forEach(function (all) {
      var select = all.parentElement.querySelector('select[name="type"], select[name$="-type"]');
      if (!select) { return; }
      all.classList.add("filtered");
      select.addEventListener("change", function () { update(select, all); });
      update(select, all);
    });
  });
})();
