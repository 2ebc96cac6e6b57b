/* Branching (surveys/branching.py): a question whose wrapper carries data-show-if is hidden, and its inputs
   disabled so that nothing of it is posted, while the earlier answers do not meet its condition; shown again
   when they do. The server decides the same way and stores such a question as not applicable. Without this
   script every question shows, with its condition in words. No inline script: the CSP keeps script-src 'self'. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form");
  Array.prototype.forEach.call(forms, function (form) {
    var branches = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
    if (!branches.length) {
      return;
    }
    var rules = branches.map(function (box) {
      try {
        return JSON.parse(box.getAttribute("data-show-if"));
      } catch (e) {
        return null;
      }
    });

    var elsewhere = {};  // the answers given on the survey's other pages (participants/survey_pages.py)
    try {
      elsewhere = JSON.parse(form.getAttribute("data-answers") || "{}");
    } catch (e) {
      elsewhere = {};
    }

    function answer(key) {
      var inputs = Array.prototype.filter.call(form.elements, function (el) {
        return el.name === key && !el.disabled;
      });
      if (!inputs.length) {
        return fromElsewhere(key);
      }
      var checked = inputs.filter(function (el) { return el.checked; });
      if (inputs[0].type === "checkbox") {
        return checked.length ? checked.map(function (el) { return el.value; }) : undefined;
      }
      if (inputs[0].type === "radio") {
        return checked.length ? checked[0].value : undefined;
      }
      var text = inputs[0].value.trim();
      return text === "" ? undefined : text;
    }

    function fromElsewhere(key) {  // as this page's inputs would give it: text, or a list of texts
      if (!Object.prototype.hasOwnProperty.call(elsewhere, key)) {
        return undefined;
      }
      var given = elsewhere[key];
      return Array.isArray(given) ? given.map(String) : String(given);
    }

    function number(given) {
      var n = Number(String(given).replace(",", "."));
      return String(given).trim() === "" ? NaN : n;
    }

    function same(given, value) {
      if (typeof value === "boolean") {
        return given === String(value);
      }
      if (typeof value === "number") {
        return number(given) === value;
      }
      return given === value;
    }

    function met(condition) {
      var given = answer(condition.key);
      var value = condition.value;
      if (given === undefined) {
        return false;
      }
      if (Array.isArray(given)) {
        if (condition.op === "equals") { return given.indexOf(value) >= 0; }
        if (condition.op === "not_equals") { return given.indexOf(value) < 0; }
        return condition.op === "one_of" && value.some(function (v) { return given.indexOf(v) >= 0; });
      }
      switch (condition.op) {
        case "equals": return same(given, value);
        case "not_equals": return !same(given, value);
        case "one_of": return value.some(function (v) { return same(given, v); });
        case "greater_than": return number(given) > value;
        case "less_than": return number(given) < value;
        default: return false;
      }
    }

    function update() {
      branches.forEach(function (box, i) {  // in page order: a hidden question's own followers hide too
        var rule = rules[i];
        if (!rule) {
          return;
        }
        var conditions = rule.all || rule.any || [];
        var shown = rule.all ? conditions.every(met) : conditions.some(met);
        box.hidden = !shown;
        Array.prototype.forEach.call(box.querySelectorAll("input, select, textarea"), function (el) {
          el.disabled = !shown;
        });
      });
    }

    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  });
})();
