// Copy buttons: <button data-copy="text" data-copied="Copied" hidden>. Without JavaScript they stay hidden
// and the text beside them can still be selected and copied. A file, not inline script: the CSP forbids it.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  var label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
});
