/* Sliders (visual analogue scales): the page sends a number field, 0 to 100, empty until answered. This
   script shows a range input beside it; the number follows the range once it is moved (or clicked), so
   an untouched slider sends nothing and stays unanswered, never 50. Included once per slider: runs once. */
(function () {
  "use strict";
  if (window.livinglabSliders) { return; }
  window.livinglabSliders = true;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-slider]").forEach(function (box) {
      var range = box.querySelector("input[type=range]");
      var number = box.querySelector("input[type=number]");
      var hint = box.querySelector("[data-with-script]");
      if (!range || !number) { return; }
      range.hidden = false;
      box.classList.add("with-script");
      if (hint) { hint.textContent = hint.getAttribute("data-with-script"); }
      function answered() {
        number.value = range.value;
        range.classList.remove("untouched");
      }
      range.addEventListener("input", answered);
      range.addEventListener("change", answered);
      range.addEventListener("click", answered);  // a click on the thumb where it stands moves nothing
      number.addEventListener("input", function () {
        var value = parseFloat(number.value.replace(",", "."));
        if (!isNaN(value) && value >= 0 && value <= 100) {
          range.value = String(value);
          range.classList.remove("untouched");
        } else if (number.value === "") {
          range.classList.add("untouched");
        }
      });
    });
  });
})();
