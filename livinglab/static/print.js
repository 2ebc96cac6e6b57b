// The "Print" button of the signed consent copy. A file, not inline script: the CSP forbids inline code.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
